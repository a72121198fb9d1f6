// The catalogue's principal axes (PRODUCT.md §7): the learner works on every product's coordinates
// `z = V(x − μ)` along the top principal axes V of the catalogue's vectors, built once per catalogue version.
// Pure and deterministic: sums in float64 in a fixed order, a Householder + QL eigen-decomposition, and each
// axis signed so that its largest component is positive.

/** Covariance is estimated on at most this many products (evenly spaced rows): axes, not exact variances. */
export const COVARIANCE_SAMPLE = 3000;

export interface Projection {
  /** Input dimensions (d) and axes kept (k). */
  d: number;
  k: number;
  mean: Float64Array;
  /** k × d, row-major: the unit principal axes, largest variance first. */
  axes: Float64Array;
  /** The variance along each kept axis. */
  variances: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric n × n matrix (row-major): Householder reduction to tridiagonal form, then
 * the implicit QL algorithm (tred2/tql2 of EISPACK, as JAMA has them). Eigenvalues in descending order and the
 * matching unit eigenvectors as rows, each signed so that its largest component is positive.
 */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  // V[r][c] is v[r * n + c]; eigenvectors end up in V's columns.
  const v = Float64Array.from(matrix);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: v };
  // tred2: Householder reduction to tridiagonal form.
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j] as number;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k] as number);
    if (scale === 0) {
      e[i] = d[i - 1] as number;
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j] as number;
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = (d[k] as number) / scale;
        h += (d[k] as number) ** 2;
      }
      let f = d[i - 1] as number;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        v[j * n + i] = f;
        g = (e[j] as number) + (v[j * n + j] as number) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += (v[k * n + j] as number) * (d[k] as number);
          e[k] = (e[k] as number) + (v[k * n + j] as number) * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = (e[j] as number) / h;
        f += (e[j] as number) * (d[j] as number);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = (e[j] as number) - hh * (d[j] as number);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        g = e[j] as number;
        for (let k = j; k <= i - 1; k++)
          v[k * n + j] = (v[k * n + j] as number) - (f * (e[k] as number) + g * (d[k] as number));
        d[j] = v[(i - 1) * n + j] as number;
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i] as number;
    v[i * n + i] = 1;
    const h = d[i + 1] as number;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = (v[k * n + (i + 1)] as number) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += (v[k * n + (i + 1)] as number) * (v[k * n + j] as number);
        for (let k = 0; k <= i; k++) v[k * n + j] = (v[k * n + j] as number) - g * (d[k] as number);
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + (i + 1)] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j] as number;
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
  // tql2: implicit QL iterations on the tridiagonal matrix, rotating Vᵀ's rows (contiguous) instead of V's columns.
  for (let r = 0; r < n; r++) {
    for (let c = r + 1; c < n; c++) {
      const x = v[r * n + c] as number;
      v[r * n + c] = v[c * n + r] as number;
      v[c * n + r] = x;
    }
  }
  for (let i = 1; i < n; i++) e[i - 1] = e[i] as number;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m] as number) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      for (let iteration = 0; iteration < 100; iteration++) {
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i] = (d[i] as number) - h;
        f += h;
        p = d[m] as number;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1] as number;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * (e[i] as number);
          h = c * p;
          r = Math.hypot(p, e[i] as number);
          e[i + 1] = s * r;
          s = (e[i] as number) / r;
          c = p / r;
          p = c * (d[i] as number) - s * g;
          d[i + 1] = h + s * (c * g + s * (d[i] as number));
          const next = (i + 1) * n;
          const here = i * n;
          for (let k = 0; k < n; k++) {
            h = v[next + k] as number;
            const x = v[here + k] as number;
            v[next + k] = s * x + c * h;
            v[here + k] = c * x - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * (e[l] as number)) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l] as number) > eps * tst1)) break;
      }
    }
    d[l] = (d[l] as number) + f;
    e[l] = 0;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (d[j] as number) - (d[i] as number) || i - j,
  );
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((column, rank) => {
    values[rank] = d[column] as number;
    let largest = 0;
    for (let r = 0; r < n; r++) {
      const x = v[column * n + r] as number;
      if (Math.abs(x) > Math.abs(largest)) largest = x;
    }
    const sign = largest < 0 ? -1 : 1;
    for (let r = 0; r < n; r++) vectors[rank * n + r] = sign * (v[column * n + r] as number);
  });
  return { values, vectors };
}

/** The mean and top-k principal axes of n row vectors of d dimensions (row-major). */
export function principalAxes(rows: Float32Array, n: number, d: number, k: number): Projection {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (rows[i * d + j] as number);
  if (n > 0) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n;
  const sample = Math.min(n, COVARIANCE_SAMPLE);
  const covariance = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let s = 0; s < sample; s++) {
    const i = Math.floor((s * n) / sample);
    for (let j = 0; j < d; j++) centred[j] = (rows[i * d + j] as number) - (mean[j] as number);
    for (let p = 0; p < d; p++) {
      const x = centred[p] as number;
      if (x === 0) continue;
      const base = p * d;
      for (let q = p; q < d; q++)
        covariance[base + q] = (covariance[base + q] as number) + x * (centred[q] as number);
    }
  }
  for (let p = 0; p < d; p++) {
    for (let q = p; q < d; q++) {
      const value = sample > 1 ? (covariance[p * d + q] as number) / (sample - 1) : 0;
      covariance[p * d + q] = value;
      covariance[q * d + p] = value;
    }
  }
  const kept = Math.min(k, d);
  const { values, vectors } = symmetricEigen(covariance, d);
  return {
    d,
    k: kept,
    mean,
    axes: vectors.slice(0, kept * d),
    variances: values.slice(0, kept),
  };
}

/** `z = V(x − μ)` for one vector. */
export function projectOne(projection: Projection, x: ArrayLike<number>): Float64Array {
  const { d, k, mean, axes } = projection;
  const z = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let sum = 0;
    const base = a * d;
    for (let j = 0; j < d; j++) sum += (axes[base + j] as number) * ((x[j] as number) - (mean[j] as number));
    z[a] = sum;
  }
  return z;
}

/** `z = V(x − μ)` for n row vectors: n × k, row-major. */
export function projectRows(projection: Projection, rows: Float32Array, n: number): Float32Array {
  const { d, k, mean, axes } = projection;
  const out = new Float32Array(n * k);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = (rows[i * d + j] as number) - (mean[j] as number);
    for (let a = 0; a < k; a++) {
      let sum = 0;
      const base = a * d;
      for (let j = 0; j < d; j++) sum += (axes[base + j] as number) * (centred[j] as number);
      out[i * k + a] = sum;
    }
  }
  return out;
}

/** `V·v` (no centring): the onboarding vector's direction on the axes, the learner's prior mean (÷ 10). */
export function rotate(projection: Projection, v: ArrayLike<number>): Float64Array {
  const { d, k, axes } = projection;
  const out = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += (axes[a * d + j] as number) * (v[j] as number);
    out[a] = sum;
  }
  return out;
}

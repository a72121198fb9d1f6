// Float32Array vector maths shared by the catalogue, styles, profiles and feed. Every loop runs in index
// order and accumulates in float64, so the same inputs give bit-identical outputs on every machine.

export type Vector = Float32Array;

export function dot(a: Vector, b: Vector): number {
  if (a.length !== b.length) throw new Error(`dimension mismatch: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/** a / |a|; the zero vector stays zero (callers decide what an empty direction means). */
export function normalise(a: Vector | number[]): Vector {
  const v = Float32Array.from(a);
  const length = norm(v);
  if (length === 0 || !Number.isFinite(length)) return v.fill(0);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / length;
  return v;
}

/** Cosine similarity; 0 when either side is the zero vector. */
export function cosine(a: Vector, b: Vector): number {
  const denominator = norm(a) * norm(b);
  return denominator === 0 ? 0 : dot(a, b) / denominator;
}

/** Element-wise mean of equally long vectors (throws on an empty list: a mean of nothing is a bug upstream). */
export function mean(vectors: readonly Vector[]): Vector {
  const first = vectors[0];
  if (!first) throw new Error('mean of no vectors');
  const sum = new Float64Array(first.length);
  for (const v of vectors) {
    if (v.length !== first.length) throw new Error(`dimension mismatch: ${v.length} vs ${first.length}`);
    for (let i = 0; i < v.length; i++) sum[i] = (sum[i] as number) + (v[i] as number);
  }
  const out = new Float32Array(first.length);
  for (let i = 0; i < out.length; i++) out[i] = (sum[i] as number) / vectors.length;
  return out;
}

/** Σ weight_i · v_i, accumulated in float64. */
export function weightedSum(terms: readonly { weight: number; vector: Vector }[]): Vector {
  const first = terms[0];
  if (!first) throw new Error('weighted sum of no vectors');
  const sum = new Float64Array(first.vector.length);
  for (const { weight, vector } of terms) {
    if (vector.length !== sum.length)
      throw new Error(`dimension mismatch: ${vector.length} vs ${sum.length}`);
    for (let i = 0; i < vector.length; i++) sum[i] = (sum[i] as number) + weight * (vector[i] as number);
  }
  return Float32Array.from(sum);
}

// Pure image maths on decoded pixel arrays (no I/O, unit-tested with hand-computed values): the sharpness
// measure of the quality gate, the DCT perceptual hash, and the blocks of the default image descriptor.
// Every loop runs in a fixed order in float64, so the same pixels give bit-identical results.

/** A single-channel image, row-major, values 0–255 as floats. */
export interface GreyImage {
  width: number;
  height: number;
  data: Float64Array;
}

/** An interleaved RGB image, row-major, values 0–255. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** OpenCV's BORDER_REFLECT_101 (…c b | a b c d | c b…), the border cv2.Laplacian uses by default. */
function reflect101(index: number, size: number): number {
  if (size === 1) return 0;
  let i = index;
  while (i < 0 || i >= size) i = i < 0 ? -i : 2 * size - 2 - i;
  return i;
}

/**
 * Variance of the 3×3 Laplacian `[0,1,0; 1,−4,1; 0,1,0]` over every pixel (reflect-101 border), computed
 * in float64: a uint8 convolution would clamp the negative responses and under-report sharpness. Population
 * variance, as numpy's `var()` of `cv2.Laplacian(grey, cv2.CV_64F)`.
 */
export function laplacianVariance(image: GreyImage): number {
  const { width, height, data } = image;
  const at = (x: number, y: number) => data[reflect101(y, height) * width + reflect101(x, width)] as number;
  let sum = 0;
  let sumSquares = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = at(x, y - 1) + at(x - 1, y) - 4 * at(x, y) + at(x + 1, y) + at(x, y + 1);
      sum += value;
      sumSquares += value * value;
    }
  }
  const count = width * height;
  const mean = sum / count;
  return Math.max(0, sumSquares / count - mean * mean);
}

/** Orthonormal-free DCT-II of one row (as scipy.fftpack.dct with norm=None, divided by 2 — a constant that cancels). */
function dct1d(input: Float64Array): Float64Array {
  const n = input.length;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (input[i] as number) * Math.cos((Math.PI * (2 * i + 1) * k) / (2 * n));
    out[k] = sum;
  }
  return out;
}

/**
 * 64-bit perceptual hash (pHash as imagehash computes it): a 32×32 grey image → 2-D DCT → the 8×8
 * lowest frequencies → one bit per coefficient, set when it is above their median. 16 hex characters.
 */
export function perceptualHash(image: GreyImage): string {
  const size = 32;
  if (image.width !== size || image.height !== size) throw new Error('perceptualHash expects 32×32 pixels');
  const rows: Float64Array[] = [];
  for (let y = 0; y < size; y++) rows.push(dct1d(image.data.subarray(y * size, (y + 1) * size)));
  const low: number[] = [];
  const columns: Float64Array[] = [];
  for (let x = 0; x < 8; x++) {
    const column = new Float64Array(size);
    for (let y = 0; y < size; y++) column[y] = (rows[y] as Float64Array)[x] as number;
    columns.push(dct1d(column));
  }
  for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) low.push((columns[u] as Float64Array)[v] as number);
  const sorted = [...low].sort((a, b) => a - b);
  const median = ((sorted[31] as number) + (sorted[32] as number)) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++)
      value = (value << 1) | ((low[nibble * 4 + bit] as number) > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

const POPCOUNT = Array.from(
  { length: 16 },
  (_, n) => (n & 1) + ((n >> 1) & 1) + ((n >> 2) & 1) + ((n >> 3) & 1),
);

/** Number of differing bits between two 16-hex-character hashes. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length) throw new Error('hashes of different lengths');
  let distance = 0;
  for (let i = 0; i < a.length; i++)
    distance += POPCOUNT[Number.parseInt(a[i] as string, 16) ^ Number.parseInt(b[i] as string, 16)] as number;
  return distance;
}

/** Hue (0–360), saturation and value (0–1) of one RGB pixel. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const delta = max - min;
  let hue = 0;
  if (delta > 0) {
    if (max === r) hue = 60 * (((g - b) / delta + 6) % 6);
    else if (max === g) hue = 60 * ((b - r) / delta + 2);
    else hue = 60 * ((r - g) / delta + 4);
  }
  return [hue, max === 0 ? 0 : delta / max, max / 255];
}

export const HUE_BINS = 8;
export const SATURATION_BINS = 3;
export const VALUE_BINS = 3;

/**
 * HSV histogram (8 hue × 3 saturation × 3 value = 72 bins) over the pixels that are not the white
 * background (near-white pixels say nothing about the product's colour), as frequencies.
 */
export function colourHistogram(image: RgbImage): Float64Array {
  const bins = new Float64Array(HUE_BINS * SATURATION_BINS * VALUE_BINS);
  let counted = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    const r = image.data[3 * p] as number;
    const g = image.data[3 * p + 1] as number;
    const b = image.data[3 * p + 2] as number;
    if (r > 245 && g > 245 && b > 245) continue;
    const [h, s, v] = rgbToHsv(r, g, b);
    const hueBin = Math.min(HUE_BINS - 1, Math.floor(h / (360 / HUE_BINS)));
    const satBin = Math.min(SATURATION_BINS - 1, Math.floor(s * SATURATION_BINS));
    const valBin = Math.min(VALUE_BINS - 1, Math.floor(v * VALUE_BINS));
    const bin = (hueBin * SATURATION_BINS + satBin) * VALUE_BINS + valBin;
    bins[bin] = (bins[bin] as number) + 1;
    counted++;
  }
  if (counted > 0) for (let i = 0; i < bins.length; i++) bins[i] = (bins[i] as number) / counted;
  return bins;
}

export const ORIENTATION_BINS = 9;

/**
 * HOG-like descriptor: central-difference gradients, unsigned orientation (0–180°) in 9 bins weighted by
 * magnitude, accumulated per cell of a `grid × grid` layout; then square-rooted and L2-normalised.
 */
export function gradientHistogram(image: GreyImage, grid: number): Float64Array {
  const { width, height, data } = image;
  const out = new Float64Array(grid * grid * ORIENTATION_BINS);
  const at = (x: number, y: number) =>
    data[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))] as number;
  for (let y = 0; y < height; y++) {
    const cellY = Math.min(grid - 1, Math.floor((y * grid) / height));
    for (let x = 0; x < width; x++) {
      const gx = at(x + 1, y) - at(x - 1, y);
      const gy = at(x, y + 1) - at(x, y - 1);
      const magnitude = Math.sqrt(gx * gx + gy * gy);
      if (magnitude === 0) continue;
      let angle = (Math.atan2(gy, gx) * 180) / Math.PI;
      if (angle < 0) angle += 180;
      if (angle >= 180) angle -= 180;
      const bin = Math.min(ORIENTATION_BINS - 1, Math.floor(angle / (180 / ORIENTATION_BINS)));
      const cellX = Math.min(grid - 1, Math.floor((x * grid) / width));
      const index = (cellY * grid + cellX) * ORIENTATION_BINS + bin;
      out[index] = (out[index] as number) + magnitude;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i] as number);
  return l2(out);
}

/** The grey thumbnail minus its mean (so brightness shifts do not dominate), L2-normalised. */
export function centredThumbnail(image: GreyImage): Float64Array {
  const out = Float64Array.from(image.data);
  let sum = 0;
  for (const value of out) sum += value;
  const mean = sum / out.length;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) - mean;
  return l2(out);
}

/** In place: divide by the L2 norm (a zero vector stays zero). */
export function l2(values: Float64Array): Float64Array {
  let sum = 0;
  for (const value of values) sum += value * value;
  const length = Math.sqrt(sum);
  if (length > 0) for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / length;
  return values;
}

/** Concatenates weighted blocks (each already L2-normalised) and L2-normalises the whole into a Float32Array. */
export function weightedConcat(blocks: readonly { weight: number; values: Float64Array }[]): Float32Array {
  const length = blocks.reduce((sum, block) => sum + block.values.length, 0);
  const joined = new Float64Array(length);
  let offset = 0;
  for (const { weight, values } of blocks) {
    for (let i = 0; i < values.length; i++) joined[offset + i] = weight * (values[i] as number);
    offset += values.length;
  }
  return Float32Array.from(l2(joined));
}

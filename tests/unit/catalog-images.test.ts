import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import {
  assessImageQuality,
  DESCRIPTOR_DIMS,
  perceptualHashOf,
  sharpnessOf,
} from '@/features/catalog/image/image';
import { featureEmbedder } from '@/features/catalog/service/embedder';
import {
  colourHistogram,
  gradientHistogram,
  hammingDistance,
  laplacianVariance,
  perceptualHash,
  rgbToHsv,
} from '@/features/catalog/utils/image-maths';
import { seededRandom } from '@/features/core/maths/random';

// The catalogue's image maths: hand-computed values for the gate's sharpness, the hash and the descriptor.

/** A sharp 512×512 PNG: seeded random blocks of colour (well above 50 KB, crisp edges everywhere). */
async function sharpImage(seed = 7, size = 512): Promise<Buffer> {
  const random = seededRandom(seed);
  const pixels = Buffer.alloc(size * size * 3);
  const block = 8;
  for (let by = 0; by < size / block; by++) {
    for (let bx = 0; bx < size / block; bx++) {
      const colour = [random.int(256), random.int(256), random.int(256)];
      for (let y = by * block; y < (by + 1) * block; y++)
        for (let x = bx * block; x < (bx + 1) * block; x++)
          for (let c = 0; c < 3; c++)
            pixels[(y * size + x) * 3 + c] = Math.min(255, (colour[c] as number) + random.int(24));
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

test('Laplacian variance on a 3×3 fixture, by hand (reflect-101 border, floats)', () => {
  // 0 0 0 / 0 9 0 / 0 0 0 → responses: centre −36, its four neighbours 18 each (the border reflects the
  // centre back twice), corners 0. Mean 36/9 = 4; mean of squares (1296 + 4·324)/9 = 288; variance 272.
  const data = Float64Array.from([0, 0, 0, 0, 9, 0, 0, 0, 0]);
  expect(laplacianVariance({ width: 3, height: 3, data })).toBe(272);
  // A flat image has no edges at all.
  expect(laplacianVariance({ width: 4, height: 2, data: new Float64Array(8).fill(200) })).toBe(0);
  // Negative responses count: a uint8 convolution would clamp −36 to 0 and report less.
  const dark = Float64Array.from([9, 9, 9, 9, 0, 9, 9, 9, 9]);
  expect(laplacianVariance({ width: 3, height: 3, data: dark })).toBe(272);
});

test('the quality gate: a sharp image passes, its blurred copy fails too_blurry', async () => {
  const original = await sharpImage();
  const report = await assessImageQuality(original);
  expect(report).toMatchObject({ ok: true, issues: [], width: 512, height: 512 });
  expect(await sharpnessOf(original)).toBeGreaterThan(100);
  const blurred = await sharp(original).blur(6).png().toBuffer();
  expect(blurred.byteLength).toBeGreaterThan(50 * 1024);
  const blurredReport = await assessImageQuality(blurred);
  expect(blurredReport.issues).toEqual(['too_blurry']);
  expect(blurredReport.ok).toBe(false);
});

test('the quality gate: size, file size and format issues', async () => {
  const small = await sharpImage(3, 256); // 256 px a side, and small in bytes too
  expect((await assessImageQuality(small)).issues).toContain('too_small');
  expect((await assessImageQuality(Buffer.from('not an image at all'))).issues).toEqual(['invalid_format']);
  const gif = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#f00' } })
    .gif()
    .toBuffer();
  expect((await assessImageQuality(gif)).issues).toEqual(['invalid_format']);
  const huge = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
  expect((await assessImageQuality(huge)).issues).toEqual(['too_large']);
  // 400 px exactly is enough; 399 is not.
  const edge = await sharp(await sharpImage(5))
    .resize(399, 600, { fit: 'fill' })
    .png()
    .toBuffer();
  expect((await assessImageQuality(edge)).issues).toContain('too_small');
  const ok = await sharp(await sharpImage(5))
    .resize(400, 600, { fit: 'fill' })
    .png()
    .toBuffer();
  expect((await assessImageQuality(ok)).issues).not.toContain('too_small');
});

test('Hamming distance of 64-bit hashes, by hand', () => {
  expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
  expect(hammingDistance('0000000000000000', '000000000000000f')).toBe(4);
  expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
  expect(hammingDistance('ffffffffffffffff', '0000000000000000')).toBe(64);
  expect(() => hammingDistance('00', '000')).toThrow();
});

test('perceptual hash: one bit per low frequency above the median; re-encoding keeps it, another image does not', async () => {
  // A left-dark / right-bright 32×32 image. Its row DCT is Σ_{i=16..31} 255·cos(π(2i+1)k/64): k=0 +4080,
  // k=1 −2598, k=3 +869, k=5 −525, k=7 +378, every even k 0; all rows alike, so only v = 0 survives the
  // column DCT. The median of the 64 coefficients is ~0, so DC, u=3 and u=7 set their bits; u=1 and u=5 do
  // not. (The exact zeros fall either side of the median by rounding: those bits are not asserted.)
  const data = new Float64Array(32 * 32);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) data[y * 32 + x] = x < 16 ? 0 : 255;
  const hash = perceptualHash({ width: 32, height: 32, data });
  expect(hash).toMatch(/^[0-9a-f]{16}$/);
  // Row 0 of the 8×8 block: DC (positive), u=1 (negative: dark → bright gives −), u=3 (+), u=5 (−), u=7 (+).
  const firstByte = Number.parseInt(hash.slice(0, 2), 16);
  const bit = (u: number) => (firstByte >> (7 - u)) & 1;
  expect([0, 1, 3, 5, 7].map(bit)).toEqual([1, 0, 1, 0, 1]);
  const original = await sharpImage(11);
  const reencoded = await sharp(original).jpeg({ quality: 70 }).toBuffer();
  const other = await sharpImage(12);
  const [a, b, c] = await Promise.all([original, reencoded, other].map(perceptualHashOf));
  expect(hammingDistance(a as string, b as string)).toBeLessThanOrEqual(5);
  expect(hammingDistance(a as string, c as string)).toBeGreaterThan(5);
});

test('colour histogram and HSV by hand; white background ignored', () => {
  expect(rgbToHsv(255, 0, 0)).toEqual([0, 1, 1]);
  expect(rgbToHsv(0, 0, 255)).toEqual([240, 1, 1]);
  expect(rgbToHsv(128, 128, 128)).toEqual([0, 0, 128 / 255]);
  const bins = colourHistogram({ width: 2, height: 1, data: Uint8Array.from([255, 0, 0, 255, 255, 255]) });
  // Red: hue bin 0, saturation bin 2, value bin 2 → index (0·3 + 2)·3 + 2 = 8; the white pixel is skipped.
  expect(bins[8]).toBe(1);
  expect(bins.reduce((sum, value) => sum + value, 0)).toBe(1);
});

test('gradient histogram: a vertical edge votes for the 0° bin only, and is L2-normalised', () => {
  const data = new Float64Array(8 * 8);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) data[y * 8 + x] = x < 4 ? 0 : 100;
  const hog = gradientHistogram({ width: 8, height: 8, data }, 1);
  expect(hog[0]).toBeCloseTo(1, 12);
  expect([...hog.slice(1)].every((value) => value === 0)).toBe(true);
});

test('the default embedder: same bytes → bit-identical L2-normalised vector; different images differ', async () => {
  const bytes = await sharpImage(21);
  const first = await featureEmbedder.embed(bytes);
  const second = await featureEmbedder.embed(Buffer.from(bytes));
  expect(first.length).toBe(DESCRIPTOR_DIMS);
  expect(featureEmbedder.dims).toBe(DESCRIPTOR_DIMS);
  expect(Buffer.from(first.buffer).equals(Buffer.from(second.buffer))).toBe(true);
  let sum = 0;
  for (const value of first) sum += value * value;
  expect(Math.sqrt(sum)).toBeCloseTo(1, 5);
  const other = await featureEmbedder.embed(await sharpImage(22));
  expect(Buffer.from(other.buffer).equals(Buffer.from(first.buffer))).toBe(false);
});

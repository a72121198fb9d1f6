import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import type { Random } from '@/features/core/maths/random';

// Garment images for the seed catalogue: Fashion-MNIST (Debian's `dataset-fashion-mnist`, MIT) when it is
// installed, otherwise garments drawn from silhouettes × palette × pattern. Either way every image is tinted
// with a colour from a fixed palette, so colour is a style axis of the seed catalogue.

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface SeedColour {
  name: string;
  rgb: readonly [number, number, number];
}

export const PALETTE: readonly SeedColour[] = [
  { name: 'Black', rgb: [30, 30, 34] },
  { name: 'Navy', rgb: [28, 45, 95] },
  { name: 'Red', rgb: [190, 35, 45] },
  { name: 'Olive', rgb: [95, 110, 45] },
  { name: 'Camel', rgb: [190, 145, 90] },
  { name: 'Blush', rgb: [230, 150, 165] },
  { name: 'Grey', rgb: [125, 125, 130] },
  { name: 'Burgundy', rgb: [110, 25, 45] },
  { name: 'Mustard', rgb: [215, 170, 40] },
  { name: 'Teal', rgb: [25, 120, 125] },
  { name: 'Chocolate', rgb: [90, 55, 35] },
  { name: 'Sky', rgb: [110, 165, 220] },
];

/** Fashion-MNIST's ten classes, as a store would name them, and the raw category it would file them under. */
export const FASHION_MNIST_CLASSES: readonly { label: string; rawCategory: string }[] = [
  { label: 'T-shirt', rawCategory: 'Tops' },
  { label: 'Trousers', rawCategory: 'Pants' },
  { label: 'Pullover', rawCategory: 'Knitwear' },
  { label: 'Dress', rawCategory: 'Dresses' },
  { label: 'Coat', rawCategory: 'Coats' },
  { label: 'Sandals', rawCategory: 'Shoes' },
  { label: 'Shirt', rawCategory: 'Shirts' },
  { label: 'Sneakers', rawCategory: 'Shoes' },
  { label: 'Bag', rawCategory: 'Bags' },
  { label: 'Ankle Boots', rawCategory: 'Shoes' },
];

export interface GreyDataset {
  count: number;
  side: number;
  labels: Uint8Array;
  /** `count` images of side×side bytes, row-major. */
  pixels: Uint8Array;
}

/** The Fashion-MNIST test split (10,000 images) from the Debian package, or undefined when not installed. */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): GreyDataset | undefined {
  const images = join(dir, 't10k-images-idx3-ubyte.gz');
  const labels = join(dir, 't10k-labels-idx1-ubyte.gz');
  if (!existsSync(images) || !existsSync(labels)) return undefined;
  const imageBytes = gunzipSync(readFileSync(images));
  const labelBytes = gunzipSync(readFileSync(labels));
  // IDX: magic (0x00000803 images / 0x00000801 labels), counts and sizes as big-endian uint32.
  if (imageBytes.readUInt32BE(0) !== 0x803 || labelBytes.readUInt32BE(0) !== 0x801)
    throw new Error(`${dir} does not hold IDX files`);
  const count = imageBytes.readUInt32BE(4);
  const side = imageBytes.readUInt32BE(8);
  return {
    count,
    side,
    labels: new Uint8Array(labelBytes.subarray(8, 8 + count)),
    pixels: new Uint8Array(imageBytes.subarray(16, 16 + count * side * side)),
  };
}

/**
 * A grey garment (bright on black, as Fashion-MNIST stores it) tinted onto a white background: the
 * intensity becomes coverage, and brighter parts of the garment are lighter shades of the colour.
 */
export async function tintedGarment(grey: Uint8Array, side: number, colour: SeedColour): Promise<Buffer> {
  const rgb = Buffer.alloc(side * side * 3);
  for (let p = 0; p < side * side; p++) {
    const intensity = (grey[p] as number) / 255;
    const shade = 0.75 + 0.25 * intensity;
    for (let c = 0; c < 3; c++) {
      const garment = Math.min(255, (colour.rgb[c] as number) * shade + 40 * intensity * intensity);
      rgb[p * 3 + c] = Math.round(255 * (1 - intensity) + garment * intensity);
    }
  }
  return sharp(rgb, { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}

// --- Generated garments (no dataset installed) -----------------------------------------------------------

export const GENERATED_CLASSES: readonly { label: string; rawCategory: string; path: string }[] = [
  {
    label: 'T-shirt',
    rawCategory: 'Tops',
    path: 'M30 20 L50 12 Q64 22 78 12 L98 20 L114 44 L96 54 L92 46 L92 112 L36 112 L36 46 L32 54 L14 44 Z',
  },
  { label: 'Trousers', rawCategory: 'Pants', path: 'M40 12 L88 12 L94 116 L72 116 L64 44 L56 116 L34 116 Z' },
  { label: 'Dress', rawCategory: 'Dresses', path: 'M48 12 L80 12 L78 40 L102 116 L26 116 L50 40 Z' },
  {
    label: 'Coat',
    rawCategory: 'Coats',
    path: 'M36 14 L54 10 L64 30 L74 10 L92 14 L112 100 L96 104 L92 60 L92 116 L36 116 L36 60 L32 104 L16 100 Z',
  },
  { label: 'Sneakers', rawCategory: 'Shoes', path: 'M14 60 L44 56 L60 70 L104 78 Q116 82 114 96 L14 96 Z' },
  {
    label: 'Bag',
    rawCategory: 'Bags',
    path: 'M26 48 L102 48 L110 112 L18 112 Z M44 48 Q44 18 64 18 Q84 18 84 48 L78 48 Q78 26 64 26 Q50 26 50 48 Z',
  },
];

const PATTERNS = ['solid', 'stripes', 'dots'] as const;

/** A 128×128 garment: silhouette (class) × colour × pattern, jittered by the seeded source. */
export async function generatedGarment(
  classIndex: number,
  colour: SeedColour,
  random: Random,
): Promise<Buffer> {
  const garment = GENERATED_CLASSES[classIndex];
  if (!garment) throw new Error(`no generated class ${classIndex}`);
  const pattern = PATTERNS[random.int(PATTERNS.length)];
  const [r, g, b] = colour.rgb;
  const fill = `rgb(${r},${g},${b})`;
  const light = `rgb(${Math.min(255, r + 70)},${Math.min(255, g + 70)},${Math.min(255, b + 70)})`;
  // Size, stretch, position and tilt vary per item, so two garments of one class are not pHash twins.
  const scale = 0.75 + random.next() * 0.25;
  const stretch = 0.85 + random.next() * 0.3;
  const dx = (random.next() - 0.5) * (1 - scale) * 128;
  const dy = (random.next() - 0.5) * (1 - scale) * 128;
  const tilt = (random.next() - 0.5) * 16;
  const patternDef =
    pattern === 'stripes'
      ? `<pattern id="p" width="${6 + random.int(6)}" height="8" patternUnits="userSpaceOnUse"><rect width="3" height="8" fill="${light}"/></pattern>`
      : pattern === 'dots'
        ? `<pattern id="p" width="10" height="10" patternUnits="userSpaceOnUse"><circle cx="5" cy="5" r="${1.5 + random.next() * 1.5}" fill="${light}"/></pattern>`
        : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
<rect width="128" height="128" fill="#fff"/><defs>${patternDef}</defs>
<g transform="translate(${64 + dx} ${64 + dy}) rotate(${tilt.toFixed(2)}) scale(${(scale * stretch).toFixed(3)} ${scale.toFixed(3)}) translate(-64 -64)"><path d="${garment.path}" fill="${fill}" fill-rule="evenodd"/>
${pattern === 'solid' ? '' : `<path d="${garment.path}" fill="url(#p)" fill-rule="evenodd"/>`}</g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

import sharp from 'sharp';
import {
  centredThumbnail,
  colourHistogram,
  type GreyImage,
  gradientHistogram,
  l2,
  laplacianVariance,
  perceptualHash,
  type RgbImage,
  weightedConcat,
} from '../utils/image-maths';

// Image work on bytes, through sharp (libvips): the quality gate of docs/product.md §3, the stored copy, the
// perceptual hash and the default descriptor. Formats are judged from the bytes (libvips sniffs them), never
// from a name or a Content-Type.

export const ACCEPTED_FORMATS = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
export type StoredContentType = (typeof ACCEPTED_FORMATS)[keyof typeof ACCEPTED_FORMATS];

export const QUALITY = {
  minSide: 400,
  minBytes: 50 * 1024,
  maxBytes: 10 * 1024 * 1024,
  sharpnessSide: 500,
  minSharpness: 100,
} as const;
/** More pixels than this (about a 100 MP camera) is treated as a decompression bomb. */
export const MAX_PIXELS = 100_000_000;
/** Longest side of the copy we store and serve. */
export const STORED_MAX_SIDE = 1600;

export type QualityIssue = 'too_small' | 'too_large' | 'too_blurry' | 'invalid_format';
export interface QualityReport {
  ok: boolean;
  issues: QualityIssue[];
  width?: number;
  height?: number;
  sharpness?: number;
}

const WHITE = { r: 255, g: 255, b: 255 };

async function readHeader(bytes: Uint8Array) {
  try {
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    const { width = 0, height = 0, format } = metadata;
    if (!format || !(format in ACCEPTED_FORMATS) || width === 0 || height === 0) return undefined;
    // EXIF orientations 5–8 swap the sides once applied.
    const swapped = (metadata.orientation ?? 1) >= 5;
    return {
      format: format as keyof typeof ACCEPTED_FORMATS,
      width: swapped ? height : width,
      height: swapped ? width : height,
    };
  } catch {
    return undefined;
  }
}

/** Laplacian variance of the greyscale image scaled so its longest side is at most 500 px. */
export async function sharpnessOf(bytes: Uint8Array): Promise<number> {
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS })
    .rotate()
    .flatten({ background: WHITE })
    .resize(QUALITY.sharpnessSide, QUALITY.sharpnessSide, { fit: 'inside', withoutEnlargement: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return laplacianVariance({ width: info.width, height: info.height, data: Float64Array.from(data) });
}

/** The quality gate: smallest side ≥ 400 px, 50 KB–10 MB, sharpness ≥ 100 (docs/product.md §3). */
export async function assessImageQuality(bytes: Uint8Array): Promise<QualityReport> {
  const issues: QualityIssue[] = [];
  if (bytes.byteLength > QUALITY.maxBytes) return { ok: false, issues: ['too_large'] };
  const header = await readHeader(bytes);
  if (!header) return { ok: false, issues: ['invalid_format'] };
  const { width, height } = header;
  if (width * height > MAX_PIXELS) return { ok: false, issues: ['too_large'], width, height };
  if (bytes.byteLength < QUALITY.minBytes || Math.min(width, height) < QUALITY.minSide)
    issues.push('too_small');
  let sharpness: number;
  try {
    sharpness = await sharpnessOf(bytes);
  } catch {
    return { ok: false, issues: ['invalid_format'], width, height };
  }
  if (sharpness < QUALITY.minSharpness) issues.push('too_blurry');
  return { ok: issues.length === 0, issues, width, height, sharpness };
}

export interface StoredImage {
  bytes: Buffer;
  contentType: StoredContentType;
  width: number;
  height: number;
}

/**
 * The copy we store and serve: orientation applied, metadata dropped, at most 1600 px a side, same format.
 * `minSide` upscales small trusted images (the 28 px seed images) so every stored image meets the gate's size.
 */
export async function toStoredImage(
  bytes: Uint8Array,
  options: { minSide?: number } = {},
): Promise<StoredImage> {
  const header = await readHeader(bytes);
  if (!header) throw new Error('not a JPEG, PNG or WebP image');
  let pipeline = sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
  const shortest = Math.min(header.width, header.height);
  if (options.minSide && shortest < options.minSide) {
    const scale = options.minSide / shortest;
    pipeline = pipeline.resize(Math.round(header.width * scale), Math.round(header.height * scale), {
      kernel: 'lanczos3',
    });
  } else {
    pipeline = pipeline.resize(STORED_MAX_SIDE, STORED_MAX_SIDE, { fit: 'inside', withoutEnlargement: true });
  }
  const encoded =
    header.format === 'jpeg'
      ? pipeline.jpeg({ quality: 90, mozjpeg: true })
      : header.format === 'png'
        ? pipeline.png()
        : pipeline.webp({ quality: 90 });
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  return {
    bytes: data,
    contentType: ACCEPTED_FORMATS[header.format],
    width: info.width,
    height: info.height,
  };
}

/** 64-bit DCT perceptual hash of the image (flattened on white, 32×32 grey), 16 hex characters. */
export async function perceptualHashOf(bytes: Uint8Array): Promise<string> {
  const { data } = await sharp(bytes, { limitInputPixels: MAX_PIXELS })
    .rotate()
    .flatten({ background: WHITE })
    .greyscale()
    .resize(32, 32, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return perceptualHash({ width: 32, height: 32, data: Float64Array.from(data) });
}

/** Side of the square the descriptor is computed on; gradient cells and thumbnail divide it. */
export const DESCRIPTOR_SIDE = 64;
export const GRADIENT_GRID = 4;
export const THUMBNAIL_SIDE = 8;
/** Block weights: shape (gradients) leads; colour is a real style axis but must not drown shape (docs/product.md §2). */
export const DESCRIPTOR_WEIGHTS = { colour: 0.3, gradients: 1.0, thumbnail: 1.0 } as const;

function greyOf(rgb: RgbImage): GreyImage {
  const data = new Float64Array(rgb.width * rgb.height);
  for (let p = 0; p < data.length; p++) {
    data[p] =
      0.299 * (rgb.data[3 * p] as number) +
      0.587 * (rgb.data[3 * p + 1] as number) +
      0.114 * (rgb.data[3 * p + 2] as number);
  }
  return { width: rgb.width, height: rgb.height, data };
}

/** Block-mean downscale of a square grey image by an integer factor. */
function averagePool(image: GreyImage, side: number): GreyImage {
  const factor = image.width / side;
  const data = new Float64Array(side * side);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const index = Math.floor(y / factor) * side + Math.floor(x / factor);
      data[index] = (data[index] as number) + (image.data[y * image.width + x] as number);
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) / (factor * factor);
  return { width: side, height: side, data };
}

/** The descriptor of decoded pixels: [√colour histogram (72), HOG 4×4×9 (144), thumbnail 8×8 (64)] = 280 dims. */
export function describePixels(rgb: RgbImage): Float32Array {
  const grey = greyOf(rgb);
  const colour = colourHistogram(rgb);
  for (let i = 0; i < colour.length; i++) colour[i] = Math.sqrt(colour[i] as number);
  return weightedConcat([
    { weight: DESCRIPTOR_WEIGHTS.colour, values: l2(colour) },
    { weight: DESCRIPTOR_WEIGHTS.gradients, values: gradientHistogram(grey, GRADIENT_GRID) },
    { weight: DESCRIPTOR_WEIGHTS.thumbnail, values: centredThumbnail(averagePool(grey, THUMBNAIL_SIDE)) },
  ]);
}

export const DESCRIPTOR_DIMS = 72 + GRADIENT_GRID * GRADIENT_GRID * 9 + THUMBNAIL_SIDE * THUMBNAIL_SIDE;

/** Decode, flatten on white, fit (letterboxed on white) into 64×64, describe. */
export async function describeImage(bytes: Uint8Array): Promise<Float32Array> {
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS })
    .rotate()
    .flatten({ background: WHITE })
    .resize(DESCRIPTOR_SIDE, DESCRIPTOR_SIDE, { fit: 'contain', background: WHITE, kernel: 'lanczos3' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return describePixels({ width: info.width, height: info.height, data: new Uint8Array(data) });
}

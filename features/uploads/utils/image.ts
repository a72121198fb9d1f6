import sharp, { type Metadata } from 'sharp';

// Accepted photos, decided from their bytes (never the file name or the client's Content-Type), decoded for
// real by libvips (sharp), bounded in pixels, and re-encoded without metadata: EXIF (GPS position, camera
// serials), XMP and IPTC never reach storage. Orientation is applied first, so stripping EXIF does not
// turn photos on their side.

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** Shortest side below this is not a useful outfit photo. */
export const MIN_DIMENSION = 64;
/** More pixels than this (about a 100 MP camera) is treated as a decompression bomb. */
export const MAX_PIXELS = 100_000_000;

sharp.cache(false); // no decoded-image cache in a server that handles each photo once

/** The image type from magic numbers, or undefined. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  const at = (offset: number, ...values: number[]) => values.every((value, i) => bytes[offset + i] === value);
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp'; // RIFF....WEBP
  return undefined;
}

export type ImageProblem = { kind: 'unsupported' } | { kind: 'invalid'; message: string };

export interface ProcessedImage {
  type: ImageType;
  bytes: Buffer;
  width: number;
  height: number;
}

const FORMAT_OF: Record<ImageType, 'jpeg' | 'png' | 'webp'> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/** Validates and cleans an upload; returns the bytes to store, or the problem with it. */
export async function processImage(input: Uint8Array): Promise<ProcessedImage | ImageProblem> {
  const type = sniffImageType(input);
  if (!type) return { kind: 'unsupported' };
  let metadata: Metadata;
  try {
    // Header only: dimensions are checked before anything is decoded.
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    return { kind: 'invalid', message: 'The image could not be read.' };
  }
  const { width = 0, height = 0 } = metadata;
  if (metadata.format !== FORMAT_OF[type])
    return { kind: 'invalid', message: 'The image could not be read.' };
  if (width * height > MAX_PIXELS) {
    return {
      kind: 'invalid',
      message: `The image has ${width}×${height} pixels; at most ${MAX_PIXELS} are accepted.`,
    };
  }
  if (Math.min(width, height) < MIN_DIMENSION) {
    return {
      kind: 'invalid',
      message: `The image is ${width}×${height}; photos need at least ${MIN_DIMENSION} px on each side.`,
    };
  }
  try {
    const pipeline = sharp(input, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
    const encoded =
      type === 'image/jpeg'
        ? pipeline.jpeg({ quality: 90, mozjpeg: true })
        : type === 'image/png'
          ? pipeline.png()
          : pipeline.webp({ quality: 90 });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { type, bytes: data, width: info.width, height: info.height };
  } catch {
    return { kind: 'invalid', message: 'The image could not be decoded.' };
  }
}

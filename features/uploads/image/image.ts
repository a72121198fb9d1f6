import { open } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';

// Accepted photos, decided from their bytes (never the file name or the client's Content-Type), decoded for
// real by libvips (sharp), bounded before decoding, and re-encoded without metadata: EXIF (GPS position,
// camera serials), XMP and IPTC never reach storage. Orientation is applied first, so stripping EXIF does not
// turn photos on their side. Larger photos are stored scaled down to MAX_STORED_SIDE. File in, file out:
// nothing of the photo is held in JS memory.

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** Shortest side below this is not a useful outfit photo. */
export const MIN_DIMENSION = 64;
/**
 * What phones produce: 48–50 MP high-resolution modes (8064×6048, 8160×6120) pass; 108/200 MP modes and
 * anything larger are refused from the header, before a pixel is decoded.
 */
export const MAX_PIXELS = 50_000_000;
/**
 * Decoded size bound (pixels × channels × bytes per sample): 50 MP of 8-bit RGB. An interlaced PNG or a
 * rotated JPEG is decoded whole, so this — not the file size — is what one upload can cost in memory.
 */
export const MAX_DECODED_BYTES = 150_000_000;
/**
 * Longest side of the stored photo; larger ones are scaled down, aspect kept (never up). What the photos are
 * for — calibration embeds them at ≤ 500 px, the app shows them on a phone screen — needs no more, and a 2048 px
 * JPEG is a fifth of the bytes and half the encode CPU of a 12 MP one (a 48 MP photo is decoded at half scale by
 * libjpeg's shrink-on-load: a seventh of the CPU).
 */
export const MAX_STORED_SIDE = 2048;

sharp.cache(false); // no decoded-image cache in a server that handles each photo once
// One libvips thread per image: how many images run at once is decided by admission control
// (features/core/admission), so a burst of uploads cannot take every core from the event loop.
sharp.concurrency(1);

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
  /** Size of the re-encoded file written to the output path. */
  bytes: number;
  /** Of the stored photo: orientation applied, at most MAX_STORED_SIDE a side. */
  width: number;
  height: number;
}

const FORMAT_OF: Record<ImageType, 'jpeg' | 'png' | 'webp'> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

const BYTES_PER_SAMPLE: Partial<Record<string, number>> = { uchar: 1, char: 1 };

/** Decides from the header alone whether decoding is affordable; a reason if not. */
export function headerProblem(metadata: Metadata): string | undefined {
  const { width = 0, height = 0, channels = 3, depth = 'uchar' } = metadata;
  const bytesPerSample = BYTES_PER_SAMPLE[depth];
  if (bytesPerSample === undefined)
    return `The image has ${depth === 'ushort' ? '16' : 'more than 8'}-bit samples; photos must be 8-bit per channel.`;
  if (width * height > MAX_PIXELS)
    return `The image has ${width}×${height} pixels; at most ${MAX_PIXELS / 1_000_000} megapixels are accepted.`;
  const decoded = width * height * channels * bytesPerSample;
  if (decoded > MAX_DECODED_BYTES)
    return `The image would take ${Math.ceil(decoded / 1_000_000)} MB to decode (${width}×${height}, ${channels} channels); at most ${MAX_DECODED_BYTES / 1_000_000} MB.`;
  if (Math.min(width, height) < MIN_DIMENSION)
    return `The image is ${width}×${height}; photos need at least ${MIN_DIMENSION} px on each side.`;
  return undefined;
}

async function head(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(new Uint8Array(16), 0, 16, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** Validates and cleans the image at `inputPath`, writing the bytes to store to `outputPath`. */
export async function processImage(
  inputPath: string,
  outputPath: string,
): Promise<ProcessedImage | ImageProblem> {
  const type = sniffImageType(await head(inputPath));
  if (!type) return { kind: 'unsupported' };
  let metadata: Metadata;
  try {
    // Header only: nothing is decoded yet.
    metadata = await sharp(inputPath, { limitInputPixels: false }).metadata();
  } catch {
    return { kind: 'invalid', message: 'The image could not be read.' };
  }
  if (metadata.format !== FORMAT_OF[type])
    return { kind: 'invalid', message: 'The image could not be read.' };
  const problem = headerProblem(metadata);
  if (problem) return { kind: 'invalid', message: problem };
  try {
    // The decoder's own bound as well, in case a header and its data disagree.
    // Rotating needs the whole image in memory; only a photo whose EXIF says so pays for it. The others stream
    // through libvips strip by strip (metadata is dropped either way).
    const input = sharp(inputPath, { limitInputPixels: MAX_PIXELS, failOn: 'error', sequentialRead: true });
    const oriented = metadata.orientation && metadata.orientation !== 1 ? input.rotate() : input;
    // Applied after the orientation; a no-op (no resampling) for photos already within the bound.
    const pipeline = oriented.resize(MAX_STORED_SIDE, MAX_STORED_SIDE, {
      fit: 'inside',
      withoutEnlargement: true,
    });
    const encoded =
      type === 'image/jpeg'
        ? // Baseline libjpeg-turbo, not mozjpeg: mozjpeg's progressive scans keep every DCT coefficient of the
          // image in memory (~+35 MB per 12 MP photo) and take several times the CPU.
          pipeline.jpeg({ quality: 90 })
        : type === 'image/png'
          ? pipeline.png()
          : pipeline.webp({ quality: 90 });
    const info = await encoded.toFile(outputPath);
    return { type, bytes: info.size, width: info.width, height: info.height };
  } catch {
    return { kind: 'invalid', message: 'The image could not be decoded.' };
  }
}

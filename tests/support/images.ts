import { constants, crc32, createDeflate, deflateSync } from 'node:zlib';
import sharp from 'sharp';

// Test images, made on the fly.

export async function photo(
  format: 'jpeg' | 'png' | 'webp',
  options: { width?: number; height?: number; gps?: boolean } = {},
) {
  const { width = 320, height = 240 } = options;
  let image = sharp({ create: { width, height, channels: 3, background: { r: 180, g: 40, b: 90 } } });
  image = format === 'jpeg' ? image.jpeg() : format === 'png' ? image.png() : image.webp();
  if (options.gps) {
    image = image.withExif({
      IFD0: { Make: 'StyleCam', Model: 'Outfit 1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 2621/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 3960/100',
      },
    });
  }
  return image.toBuffer();
}

/** True when the bytes carry EXIF with a GPS IFD pointer (tag 0x8825, either byte order). */
export async function hasGps(bytes: Buffer): Promise<boolean> {
  const { exif } = await sharp(bytes).metadata();
  if (!exif) return false;
  return exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88]));
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A valid PNG whose header declares `width`×`height` pixels — a decompression bomb if decoded. `bitDepth` 16
 * and `colourType` 6 (RGBA) make each pixel cost more to decode.
 */
export function pngBomb(
  width: number,
  height: number,
  { bitDepth = 8, colourType = 0 }: { bitDepth?: 8 | 16; colourType?: 0 | 2 | 6 } = {},
): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([bitDepth, colourType, 0, 0, 0], 8); // default: 8-bit greyscale
  const channels = { 0: 1, 2: 3, 6: 4 }[colourType];
  // A few rows of zeros compress to almost nothing; a decoder would still allocate width×height.
  const rows = deflateSync(Buffer.alloc((width * channels * (bitDepth / 8) + 1) * 4));
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Adam7's seven passes: first column and row, column and row steps. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * A complete, valid, Adam7-interlaced PNG of `width`×`height` black pixels at 16 bits per sample (RGB): every
 * scanline of every pass is there, so a decoder that starts decodes all of it (10000×10000: 600 MB of samples, the
 * issue's "778 KB PNG that took the server to 1.8 GB"). Built by streaming zeros through zlib a megabyte at a
 * time, so the test process never holds the image it describes.
 */
export async function interlacedPngBomb(width: number, height: number): Promise<Buffer> {
  const bytesPerPixel = 6; // RGB, 16 bits a sample
  let raw = 0; // every pass's scanlines: a filter byte (0, none) and the pass's pixels, all zero
  for (const [x0, y0, dx, dy] of ADAM7) {
    const passWidth = Math.ceil(Math.max(0, width - x0) / dx);
    const passHeight = Math.ceil(Math.max(0, height - y0) / dy);
    if (passWidth > 0) raw += passHeight * (1 + passWidth * bytesPerPixel);
  }
  const deflate = createDeflate({ level: constants.Z_BEST_COMPRESSION });
  const compressed: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
  const done = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  const zeros = Buffer.alloc(1 << 20);
  for (let left = raw; left > 0; left -= zeros.length) {
    if (!deflate.write(zeros.subarray(0, Math.min(zeros.length, left))))
      await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([16, 2, 0, 0, 1], 8); // 16-bit, RGB, deflate, adaptive filtering, Adam7
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', Buffer.concat(compressed)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A product photo that passes the catalogue's quality gate: `size`² px of seeded colour blocks with grain
 * (crisp edges, well above 50 KB as PNG). Different seeds give unrelated images (far apart in pHash).
 */
export async function productImage(seed: number, size = 512): Promise<Buffer> {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state >>> 24;
  };
  const pixels = Buffer.alloc(size * size * 3);
  const block = 8;
  for (let by = 0; by < size / block; by++) {
    for (let bx = 0; bx < size / block; bx++) {
      const colour = [next(), next(), next()];
      for (let y = by * block; y < (by + 1) * block; y++)
        for (let x = bx * block; x < (bx + 1) * block; x++)
          for (let c = 0; c < 3; c++)
            pixels[(y * size + x) * 3 + c] = Math.min(255, (colour[c] as number) + (next() % 24));
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

/** A JPEG of gaussian noise: noise defeats compression as sensor noise does, so decoding it costs what a photo's does. */
export function noisyJpeg(options: {
  width: number;
  height: number;
  quality: number;
  background: string;
  noise: { mean: number; sigma: number };
}): Promise<Buffer> {
  const { width, height, quality, background, noise } = options;
  return sharp({ create: { width, height, channels: 3, background, noise: { type: 'gaussian', ...noise } } })
    .jpeg({ quality })
    .toBuffer();
}

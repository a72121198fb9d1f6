import { randomFillSync } from 'node:crypto';

// RFC 9562 UUIDv7: 48-bit Unix-millisecond timestamp, then random bits. Time-ordered ids keep B-tree inserts
// local and give cursors a natural order. Within one millisecond a counter in rand_a keeps ids monotonic
// from this process.

// Random bytes are drawn from the CSPRNG in blocks (one call per 409 ids, not one per id) and hex-encoded by
// table: an id costs well under a microsecond.
const RANDOM_BLOCK = 4096;
const ID_RANDOM_BYTES = 10;
const pool = new Uint8Array(RANDOM_BLOCK);
let poolOffset = RANDOM_BLOCK;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
let lastMs = -1;
let sequence = 0;

export function uuidv7(now: number = Date.now()): string {
  if (poolOffset + ID_RANDOM_BYTES > RANDOM_BLOCK) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += ID_RANDOM_BYTES;
  if (now > lastMs) {
    lastMs = now;
    sequence = ((pool[r] as number) << 4) | ((pool[r + 1] as number) >> 4); // random 12-bit start
    sequence &= 0x7ff; // leave head-room so the counter rarely overflows within one millisecond
  } else {
    sequence += 1;
    if (sequence > 0xfff) {
      // Counter exhausted: borrow the next millisecond rather than break ordering.
      lastMs += 1;
      sequence = 0;
    }
  }
  const ms = lastMs;
  const timeHigh = Math.floor(ms / 0x10000);
  const timeLow = ms % 0x10000;
  const version = 0x7000 | sequence;
  const variantByte = ((pool[r + 2] as number) & 0x3f) | 0x80;
  const hex = HEX as readonly string[];
  return (
    `${hex[(timeHigh >>> 24) & 0xff]}${hex[(timeHigh >>> 16) & 0xff]}${hex[(timeHigh >>> 8) & 0xff]}${hex[timeHigh & 0xff]}` +
    `-${hex[timeLow >>> 8]}${hex[timeLow & 0xff]}-${hex[version >>> 8]}${hex[version & 0xff]}` +
    `-${hex[variantByte]}${hex[pool[r + 3] as number]}-${hex[pool[r + 4] as number]}${hex[pool[r + 5] as number]}` +
    `${hex[pool[r + 6] as number]}${hex[pool[r + 7] as number]}${hex[pool[r + 8] as number]}${hex[pool[r + 9] as number]}`
  );
}

/** The millisecond timestamp embedded in a UUIDv7. */
export function uuidv7Timestamp(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

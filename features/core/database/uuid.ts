import { randomFillSync } from 'node:crypto';

// RFC 9562 UUIDv7: 48-bit Unix-millisecond timestamp, then random bits. Time-ordered ids keep B-tree inserts
// local and give cursors a natural order. Within one millisecond a counter in rand_a keeps ids monotonic
// from this process.

const random = new Uint8Array(10);
let lastMs = -1;
let sequence = 0;

export function uuidv7(now: number = Date.now()): string {
  randomFillSync(random);
  if (now > lastMs) {
    lastMs = now;
    sequence = ((random[0] ?? 0) << 4) | ((random[1] ?? 0) >> 4); // random 12-bit start
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
  const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');
  const timeHigh = Math.floor(ms / 0x10000);
  const timeLow = ms % 0x10000;
  const variantByte = ((random[2] ?? 0) & 0x3f) | 0x80;
  let tail = '';
  for (let index = 3; index < 10; index++) tail += hex(random[index] ?? 0, 2);
  return [
    hex(timeHigh, 8),
    hex(timeLow, 4),
    hex(0x7000 | sequence, 4),
    hex(variantByte, 2) + tail.slice(0, 2),
    tail.slice(2, 14),
  ].join('-');
}

/** The millisecond timestamp embedded in a UUIDv7. */
export function uuidv7Timestamp(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

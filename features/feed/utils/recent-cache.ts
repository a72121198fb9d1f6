// A small in-process cache of values that never change once made (a stored batch's cards): at most `capacity`
// entries, each until its expiry time; when full, the least recently used entry goes. Only a shortcut: whoever
// misses reads the value from the database, so a restart, another instance or an eviction changes no result.

export class RecentCache<Value> {
  private readonly entries = new Map<string, { value: Value; expiresAt: number }>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value under `key` if it has not expired by `now` (ms); using it makes it the most recent. */
  get(key: string, now: number): Value | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` under `key` until `expiresAt` (ms), evicting the least recently used entry when full. */
  set(key: string, value: Value, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

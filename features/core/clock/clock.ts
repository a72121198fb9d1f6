// The one source of "now" for product logic (freshness, trending decay, batch expiry, purges). Services take
// a Clock so tests inject a fixed instant; production uses the system clock.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still at `at` until moved: for tests and deterministic scripts. */
export function fixedClock(
  at: Date | string | number,
): Clock & { set(to: Date | string | number): void; advance(ms: number): void } {
  let current = new Date(at).getTime();
  return {
    now: () => new Date(current),
    set: (to) => {
      current = new Date(to).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export const DAY_MS = 86_400_000;

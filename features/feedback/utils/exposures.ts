// Exposure merge rules (docs/product.md §7): one exposure per (product, session); a repeat keeps the earliest
// shownAt, the smallest position, the latest action and the largest dwell. The database applies the same rules
// against stored rows; this folds the repeats inside one request first (one upsert cannot touch a row twice).

export interface ExposureInput {
  productId: string;
  sessionId: string;
  feedMode: string;
  position: number;
  shownAt: Date;
  action?: string | undefined;
  actionAt?: Date | undefined;
  dwellMs?: number | undefined;
}

const later = (a: Date | undefined, b: Date | undefined) => (!a ? b : !b ? a : b > a ? b : a);

export function mergeExposure<E extends ExposureInput>(a: E, b: E): E {
  const bActsLater =
    b.action !== undefined && (!a.actionAt || (b.actionAt !== undefined && b.actionAt >= a.actionAt));
  return {
    ...a,
    shownAt: b.shownAt.getTime() < a.shownAt.getTime() ? b.shownAt : a.shownAt,
    position: Math.min(a.position, b.position),
    action: a.action === undefined || bActsLater ? (b.action ?? a.action) : a.action,
    actionAt: later(a.actionAt, b.actionAt),
    dwellMs:
      a.dwellMs === undefined
        ? b.dwellMs
        : b.dwellMs === undefined
          ? a.dwellMs
          : Math.max(a.dwellMs, b.dwellMs),
  };
}

/** One exposure per (product, session), in first-seen order. */
export function mergeExposures<E extends ExposureInput>(events: readonly E[]): E[] {
  const merged = new Map<string, E>();
  for (const event of events) {
    const key = `${event.productId}\u0000${event.sessionId}`;
    const current = merged.get(key);
    merged.set(key, current ? mergeExposure(current, event) : event);
  }
  return [...merged.values()];
}

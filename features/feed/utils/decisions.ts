// The decision log as the product shows it (docs/product.md §6): which positions of a batch were served, and when, from
// the records of the pages served from it. A page record covers positions first … last of the batch except those it
// skipped (their products had left the catalogue); a position served twice (a retried page, an overlapping page
// size) keeps its first serving.

export interface ServedPageRecord {
  firstPosition: number;
  lastPosition: number;
  skipped: readonly number[];
  servedAt: Date;
}

export interface ServedPosition {
  /** 1-based position in the batch. */
  position: number;
  servedAt: Date;
}

/** Every position of a batch of `size` cards that a page served, at its first serving, in position order. */
export function servedPositions(pages: readonly ServedPageRecord[], size: number): ServedPosition[] {
  const first = new Map<number, Date>();
  const inOrder = [...pages].sort((a, b) => a.servedAt.getTime() - b.servedAt.getTime());
  for (const page of inOrder) {
    const skipped = new Set(page.skipped);
    for (
      let position = Math.max(1, page.firstPosition);
      position <= Math.min(page.lastPosition, size);
      position++
    ) {
      if (!skipped.has(position) && !first.has(position)) first.set(position, page.servedAt);
    }
  }
  return [...first].sort(([a], [b]) => a - b).map(([position, servedAt]) => ({ position, servedAt }));
}

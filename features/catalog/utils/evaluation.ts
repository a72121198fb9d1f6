import { dot } from '@/features/core/maths/vector';

// How well vectors separate labels: the share of each item's k nearest neighbours (cosine on unit vectors,
// itself excluded, ties broken by lower index) that carry its label, averaged over all items.
export function nearestNeighbourPrecision(
  vectors: readonly Float32Array[],
  labels: readonly string[],
  k: number,
): number {
  if (vectors.length !== labels.length) throw new Error('one label per vector');
  if (vectors.length <= k) throw new Error(`need more than ${k} vectors`);
  let total = 0;
  for (let i = 0; i < vectors.length; i++) {
    const scored: { index: number; score: number }[] = [];
    for (let j = 0; j < vectors.length; j++) {
      if (j !== i)
        scored.push({ index: j, score: dot(vectors[i] as Float32Array, vectors[j] as Float32Array) });
    }
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    let same = 0;
    for (const { index } of scored.slice(0, k)) if (labels[index] === labels[i]) same++;
    total += same / k;
  }
  return total / vectors.length;
}

import { describeError, logger } from '@/features/core/logger/logger';
import { getObjectStorage } from '@/features/core/storage/storage';
import type { ProductRow } from '../repository/products.table';
import * as repository from '../repository/repository';
import { mapBounded } from '../utils/bounded';
import { type Embedder, getEmbedder } from './embedder';

/** Images embedded at once by the background queue. */
const EMBED_CONCURRENCY = 2;

// ---------------------------------------------------------------------------------------------------------
// Embeddings: inline for small batches, otherwise a bounded background queue over the products table (the
// table is the queue: a product without a vector of the current model is picked up again after a crash or
// a failure — never dropped).

async function readStoredImage(key: string): Promise<Uint8Array> {
  const stream = await (await getObjectStorage()).get(key);
  if (!stream) throw new Error(`no stored image at ${key}`);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function embedProduct(
  row: Pick<ProductRow, 'id' | 'imageKey' | 'imageSha256'>,
  bytes?: Uint8Array,
  embedder: Embedder = getEmbedder(),
): Promise<boolean> {
  try {
    const vector = await embedder.embed(bytes ?? (await readStoredImage(row.imageKey)));
    await repository.saveProductEmbedding({
      id: row.id,
      imageSha256: row.imageSha256,
      embedding: Array.from(vector),
      modelId: embedder.modelId,
    });
    return true;
  } catch (error) {
    logger.warn('catalog: embedding failed; it will be retried', {
      productId: row.id,
      ...describeError(error),
    });
    await repository.recordEmbeddingFailure({ id: row.id }).catch(() => {});
    return false;
  }
}

const RETRY_AFTER_FAILURE_MS = 60_000;
let draining: Promise<number> | undefined;
let rerun = false;
let retryTimer: NodeJS.Timeout | undefined;

/** Embeds every product still waiting for a vector; returns how many were embedded. */
export function drainEmbeddingQueue(): Promise<number> {
  draining ??= (async () => {
    const embedder = getEmbedder();
    const tried = new Set<string>();
    let embedded = 0;
    let failed = false;
    for (;;) {
      const waiting = (
        await repository.listProductsWaitingForVector({ modelId: embedder.modelId, limit: 64 })
      ).filter((row) => !tried.has(row.id));
      if (waiting.length === 0) break;
      for (const row of waiting) tried.add(row.id);
      const results = await mapBounded(waiting, EMBED_CONCURRENCY, (row) =>
        embedProduct(row, undefined, embedder),
      );
      embedded += results.filter(Boolean).length;
      failed ||= results.includes(false);
    }
    if (failed && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        scheduleEmbedding();
      }, RETRY_AFTER_FAILURE_MS);
      retryTimer.unref();
    }
    return embedded;
  })().finally(() => {
    draining = undefined;
    if (rerun) {
      rerun = false;
      scheduleEmbedding();
    }
  });
  return draining;
}

/** Starts the background queue (no-op when it runs already; a run re-reads the table until it is empty). */
export function scheduleEmbedding(): void {
  if (draining) {
    rerun = true; // products written after this run listed its queue get a run of their own
    return;
  }
  drainEmbeddingQueue().catch((error) =>
    logger.error('catalog: embedding queue failed', describeError(error)),
  );
}

/** For readiness: the embedder and how many products wait for its vector. */
export async function getEmbeddingStatus(): Promise<{
  modelId: string;
  dims: number;
  waitingForVector: number;
}> {
  const { modelId, dims } = getEmbedder();
  return { modelId, dims, waitingForVector: await repository.countProductsWaitingForVector({ modelId }) };
}

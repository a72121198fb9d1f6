import { type Random, seededRandom } from '@/features/core/maths/random';
import { perceptualHashOf, QUALITY, toStoredImage } from '../image/image';
import {
  FASHION_MNIST_CLASSES,
  GENERATED_CLASSES,
  generatedGarment,
  loadFashionMnist,
  PALETTE,
  tintedGarment,
} from '../image/seed-images';
import type { Category } from '../schemas/schemas';
import { deriveCategory } from '../utils/category';
import { hammingDistance } from '../utils/image-maths';
import { drainEmbeddingQueue, getEmbeddingStatus } from './embedding-queue';
import { type CatalogItem, DUPLICATE_MAX_DISTANCE, ingestTrustedProducts } from './ingest';

// The seed catalogue (`npm run db:seed`, and `npm run dev` on an empty catalogue): about 480 products, the
// same ones for the same seed — same titles, prices, images and therefore the same vectors.

export const SEED_STORE_ID = 'stylipp-seed';
export const DEFAULT_SEED = 20_261_129;
export const DEFAULT_SEED_SIZE = 480;

/** Median price and log-normal spread per category (a store's typical range). */
const PRICE_MODEL: Record<Category, { median: number; sigma: number }> = {
  tops: { median: 35, sigma: 0.4 },
  pants: { median: 60, sigma: 0.35 },
  dresses: { median: 85, sigma: 0.45 },
  jackets: { median: 150, sigma: 0.45 },
  shoes: { median: 95, sigma: 0.4 },
  bags: { median: 75, sigma: 0.5 },
  accessories: { median: 30, sigma: 0.5 },
  other: { median: 40, sigma: 0.5 },
};

export function seedPrice(category: Category, random: Random): number {
  const { median, sigma } = PRICE_MODEL[category];
  const price = Math.exp(Math.log(median) + sigma * random.normal());
  return Math.max(4.99, Math.round(price) - 0.01);
}

export interface SeedProduct extends CatalogItem {
  imageBytes: Buffer;
  label: string;
}

/** Shuffles in place with the seeded source (Fisher–Yates). */
function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * The seed products, deterministic for a seed. Near-duplicate images (pHash within 5 bits of one already
 * chosen) are skipped, so the seeded feed is not full of twins.
 */
export async function buildSeedProducts(
  options: { seed?: number; size?: number; datasetDir?: string } = {},
): Promise<{
  source: 'fashion-mnist' | 'generated';
  products: SeedProduct[];
}> {
  const seed = options.seed ?? DEFAULT_SEED;
  const size = options.size ?? DEFAULT_SEED_SIZE;
  const random = seededRandom(seed);
  const dataset = loadFashionMnist(options.datasetDir);
  const classes = dataset ? FASHION_MNIST_CLASSES : GENERATED_CLASSES;
  const perClass = Math.ceil(size / classes.length);
  const chosenHashes: string[] = [];
  const products: SeedProduct[] = [];

  const candidatesByClass: number[][] = classes.map(() => []);
  if (dataset) {
    for (let i = 0; i < dataset.count; i++) candidatesByClass[dataset.labels[i] as number]?.push(i);
    for (const list of candidatesByClass) shuffle(list, random);
  }

  for (let classIndex = 0; classIndex < classes.length; classIndex++) {
    const { label, rawCategory } = classes[classIndex] as { label: string; rawCategory: string };
    const candidates = candidatesByClass[classIndex] as number[];
    let picked = 0;
    for (let attempt = 0; picked < perClass && attempt < perClass * 10; attempt++) {
      const colour = PALETTE[random.int(PALETTE.length)] as (typeof PALETTE)[number];
      let image: Buffer;
      let sourceId: string;
      if (dataset) {
        const index = candidates[attempt];
        if (index === undefined) break;
        const side = dataset.side;
        image = await tintedGarment(
          dataset.pixels.subarray(index * side * side, (index + 1) * side * side),
          side,
          colour,
        );
        sourceId = `fmnist-${index}`;
      } else {
        image = await generatedGarment(classIndex, colour, random);
        sourceId = `gen-${classIndex}-${attempt}`;
      }
      const hash = await perceptualHashOf((await toStoredImage(image, { minSide: QUALITY.minSide })).bytes);
      if (chosenHashes.some((other) => hammingDistance(other, hash) <= DUPLICATE_MAX_DISTANCE)) continue;
      chosenHashes.push(hash);
      const title = `${colour.name} ${label}`;
      const rawCategories = [rawCategory];
      const category = deriveCategory({ rawCategories, title });
      products.push({
        storeId: SEED_STORE_ID,
        externalId: `${sourceId}-${colour.name.toLowerCase()}`,
        title,
        description: `${title}. Seed catalogue item (${dataset ? 'Fashion-MNIST, MIT licence' : 'generated'}).`,
        price: seedPrice(category, random),
        currency: 'USD',
        productUrl: `https://shop.example.com/products/${sourceId}-${colour.name.toLowerCase()}`,
        rawCategories,
        imageBytes: image,
        label,
      });
      picked++;
    }
  }
  return { source: dataset ? 'fashion-mnist' : 'generated', products: products.slice(0, Math.max(size, 0)) };
}

/** Ingests the seed products (trusted: no quality gate) and waits until every one has its vector. */
export async function seedCatalog(options: { seed?: number; size?: number } = {}) {
  const { source, products } = await buildSeedProducts(options);
  let created = 0;
  let updated = 0;
  for (let start = 0; start < products.length; start += 100) {
    const result = await ingestTrustedProducts(products.slice(start, start + 100));
    if (result.failed > 0)
      throw new Error(`seed rejected ${result.failed} products: ${result.rejected[0]?.error}`);
    created += result.created;
    updated += result.updated;
  }
  let waiting = (await getEmbeddingStatus()).waitingForVector;
  while (waiting > 0) {
    const embedded = await drainEmbeddingQueue();
    const after = (await getEmbeddingStatus()).waitingForVector;
    if (embedded === 0 && after >= waiting) throw new Error(`${after} products could not be embedded`);
    waiting = after;
  }
  return { source, total: products.length, created, updated };
}

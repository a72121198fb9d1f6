import { PALETTE } from '@/features/catalog/image/seed-images';
import type { Random } from '@/features/core/maths/random';

// The simulated users' hidden tastes (PRODUCT.md §10). The seed catalogue's titles are "<Colour> <Garment>"
// (features/catalog/utils/seed-images.ts), so every product's garment class, colour and category are known.
// A user likes a card iff it matches the taste. Pure: unit-tested in tests/unit/eval-reco.test.ts.

/** The 12 palette colours in four families of similar hue (sizes 2, 3, 3, 4: 1/6 to 1/3 of the catalogue). */
export const COLOUR_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  neutral: ['Black', 'Grey'],
  blue: ['Navy', 'Sky', 'Teal'],
  red: ['Red', 'Burgundy', 'Blush'],
  earth: ['Camel', 'Chocolate', 'Olive', 'Mustard'],
};

const FAMILY_OF = new Map(
  Object.entries(COLOUR_FAMILIES).flatMap(([family, colours]) => colours.map((colour) => [colour, family])),
);

/** A category × colour-family taste is drawn only among combinations holding at least this share of products. */
export const MIN_COMBINATION_SHARE = 0.03;

/** A seed product as the simulated users see it. */
export interface EvalProduct {
  id: string;
  title: string;
  garment: string;
  colour: string;
  family: string;
  category: string;
  price: number;
  vector: Float32Array;
}

/** Garment, colour and family from a seed title ("Navy Ankle Boots"); undefined for a title of another shape. */
export function parseSeedTitle(
  title: string,
): { garment: string; colour: string; family: string } | undefined {
  const space = title.indexOf(' ');
  if (space < 0) return undefined;
  const colour = title.slice(0, space);
  const family = FAMILY_OF.get(colour);
  if (!family || !PALETTE.some((entry) => entry.name === colour)) return undefined;
  return { garment: title.slice(space + 1), colour, family };
}

export type SingleTaste =
  | { kind: 'garment'; garment: string }
  | { kind: 'category'; category: string }
  | { kind: 'colour'; family: string }
  | { kind: 'category-colour'; category: string; family: string };
export type Taste = SingleTaste | { kind: 'two-interests'; interests: readonly [SingleTaste, SingleTaste] };
export type TasteKind = SingleTaste['kind'];

/** The four kinds of single taste, in the order users of journeys A–D cycle through them. */
export const SINGLE_KINDS: readonly TasteKind[] = ['garment', 'category', 'colour', 'category-colour'];

type Described = Pick<EvalProduct, 'garment' | 'family' | 'category'>;

function matchesSingle(taste: SingleTaste, product: Described): boolean {
  switch (taste.kind) {
    case 'garment':
      return product.garment === taste.garment;
    case 'category':
      return product.category === taste.category;
    case 'colour':
      return product.family === taste.family;
    case 'category-colour':
      return product.category === taste.category && product.family === taste.family;
  }
}

/** Whether a user of this taste likes the product. */
export function matchesTaste(taste: Taste, product: Described): boolean {
  return interestOf(taste, product) >= 0;
}

/** Which interest the product matches (0 or 1; a single taste has interest 0 only), or -1 for none. */
export function interestOf(taste: Taste, product: Described): number {
  if (taste.kind !== 'two-interests') return matchesSingle(taste, product) ? 0 : -1;
  return taste.interests.findIndex((interest) => matchesSingle(interest, product));
}

/** A stable name for a taste: "garment:Dress", "category-colour:shoes/earth", "garment:Bag+category:…". */
export function tasteKey(taste: Taste): string {
  switch (taste.kind) {
    case 'garment':
      return `garment:${taste.garment}`;
    case 'category':
      return `category:${taste.category}`;
    case 'colour':
      return `colour:${taste.family}`;
    case 'category-colour':
      return `category-colour:${taste.category}/${taste.family}`;
    case 'two-interests':
      return taste.interests.map(tasteKey).join('+');
  }
}

/** Every single taste of a kind the catalogue offers, in a fixed order. */
export function tastesOfKind(kind: TasteKind, products: readonly Described[]): SingleTaste[] {
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
  switch (kind) {
    case 'garment':
      return sorted(products.map((p) => p.garment)).map((garment) => ({ kind, garment }));
    case 'category':
      return sorted(products.map((p) => p.category)).map((category) => ({ kind, category }));
    case 'colour':
      return Object.keys(COLOUR_FAMILIES).map((family) => ({ kind, family }));
    case 'category-colour': {
      const counts = new Map<string, number>();
      for (const p of products)
        counts.set(`${p.category}/${p.family}`, (counts.get(`${p.category}/${p.family}`) ?? 0) + 1);
      return [...counts.entries()]
        .filter(([, count]) => count >= MIN_COMBINATION_SHARE * products.length)
        .map(([key]) => key)
        .sort()
        .map((key) => {
          const [category, family] = key.split('/') as [string, string];
          return { kind, category, family };
        });
    }
  }
}

function categoryOf(taste: SingleTaste, products: readonly Described[]): string | undefined {
  if (taste.kind === 'category' || taste.kind === 'category-colour') return taste.category;
  if (taste.kind === 'garment') return products.find((p) => p.garment === taste.garment)?.category;
  return undefined;
}

function pick<T>(items: readonly T[], random: Random): T {
  if (items.length === 0) throw new Error('eval: no taste to draw from (is this the seed catalogue?)');
  return items[random.int(items.length)] as T;
}

/** A single taste of the kind, drawn uniformly. */
export function drawTaste(kind: TasteKind, products: readonly Described[], random: Random): SingleTaste {
  return pick(tastesOfKind(kind, products), random);
}

/**
 * The taste a journey-C user changes to: the same kind, nothing in common with the old one (another garment,
 * category or family; for category × colour, both differ).
 */
export function drawChangedTaste(
  old: SingleTaste,
  products: readonly Described[],
  random: Random,
): SingleTaste {
  const candidates = tastesOfKind(old.kind, products).filter((taste) => {
    if (taste.kind === 'category-colour' && old.kind === 'category-colour')
      return taste.category !== old.category && taste.family !== old.family;
    return tasteKey(taste) !== tasteKey(old);
  });
  return pick(candidates, random);
}

/**
 * Two interests (journey E): each a garment class or a category × colour family, in two different categories,
 * so no product matches both and each interest's share of the matching cards is well defined.
 */
export function drawTwoInterests(products: readonly Described[], random: Random): Taste {
  const kinds: TasteKind[] = ['garment', 'category-colour'];
  const first = drawTaste(pick(kinds, random), products, random);
  const firstCategory = categoryOf(first, products);
  const second = pick(
    tastesOfKind(pick(kinds, random), products).filter(
      (taste) => categoryOf(taste, products) !== firstCategory,
    ),
    random,
  );
  return { kind: 'two-interests', interests: [first, second] };
}

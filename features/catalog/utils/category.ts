import type { Category } from '../schemas/schemas';

// The server's category for a product: keyword buckets over the store's raw categories (its own taxonomy,
// read first) and then the title, checked in a fixed order so the answer never depends on word order.
// "Dress shoes" are shoes and a "shirt dress" is a dress because shoes come before dresses and dresses before
// tops. Pants cover skirts, jeans and shorts. Noise words ("sale", "new in", "women", …) never decide anything.
// English plus Hebrew (the first partner stores are Israeli); Hebrew words may carry a one-letter prefix
// (ה the, ו and, ב in, ל to, מ from, ש that, כ as), so "השמלה" is "שמלה".

const BUCKETS: readonly (readonly [Category, readonly string[]])[] = [
  [
    'shoes',
    [
      'shoe',
      'sneaker',
      'trainer',
      'boot',
      'sandal',
      'heel',
      'loafer',
      'mule',
      'slipper',
      'espadrille',
      'clog',
      'oxford',
      'footwear',
      'stiletto',
      'moccasin',
      'flip-flop',
      'נעל',
      'נעלי',
      'נעליים',
      'נעלים',
      'סניקרס',
      'מגף',
      'מגפיים',
      'מגפונים',
      'סנדל',
      'סנדלים',
      'כפכפים',
      'כפכף',
      'עקב',
      'עקבים',
      'מוקסינים',
    ],
  ],
  [
    'bags',
    [
      'bag',
      'handbag',
      'backpack',
      'tote',
      'clutch',
      'purse',
      'satchel',
      'crossbody',
      'wallet',
      'pouch',
      'תיק',
      'תיקים',
      'תיקי',
      'ארנק',
      'ארנקים',
      'תרמיל',
      'קלאץ׳',
      "קלאץ'",
    ],
  ],
  [
    'dresses',
    [
      'dress',
      'gown',
      'jumpsuit',
      'romper',
      'overalls',
      'playsuit',
      'שמלה',
      'שמלות',
      'שמלת',
      'אוברול',
      'סרבל',
    ],
  ],
  [
    'jackets',
    [
      'jacket',
      'coat',
      'blazer',
      'parka',
      'trench',
      'anorak',
      'windbreaker',
      'vest',
      'gilet',
      'puffer',
      'outerwear',
      'bomber',
      'מעיל',
      'מעילים',
      "ז'קט",
      "ז'קטים",
      'בלייזר',
      'וסט',
      'פוך',
      'מעילון',
    ],
  ],
  [
    'pants',
    [
      'pants',
      'pant',
      'trouser',
      'jeans',
      'jean',
      'denim',
      'legging',
      'jogger',
      'chino',
      'shorts',
      'skirt',
      'culotte',
      'sweatpant',
      'bottoms',
      'מכנס',
      'מכנסיים',
      'מכנסי',
      "ג'ינס",
      'טייץ',
      'טייצים',
      'חצאית',
      'חצאיות',
      'שורטס',
      'מכנסונים',
      'ברמודה',
      "ג'וגר",
    ],
  ],
  [
    'tops',
    [
      'top',
      'shirt',
      't-shirt',
      'tee',
      'tshirt',
      'blouse',
      'sweater',
      'pullover',
      'hoodie',
      'sweatshirt',
      'cardigan',
      'tank',
      'camisole',
      'polo',
      'knit',
      'knitwear',
      'bodysuit',
      'crop',
      'jumper',
      'turtleneck',
      'חולצה',
      'חולצות',
      'חולצת',
      'טופ',
      'טופים',
      'גופיה',
      'גופייה',
      'גופיות',
      'סוודר',
      'סריג',
      'סריגים',
      "קפוצ'ון",
      'טישירט',
      'בגד גוף',
      'קרדיגן',
      'פולו',
    ],
  ],
  [
    'accessories',
    [
      'accessory',
      'accessories',
      'belt',
      'hat',
      'cap',
      'beanie',
      'scarf',
      'sunglasses',
      'glasses',
      'jewelry',
      'jewellery',
      'necklace',
      'earring',
      'bracelet',
      'ring',
      'watch',
      'glove',
      'tie',
      'sock',
      'hairband',
      'אקססוריז',
      'חגורה',
      'חגורות',
      'כובע',
      'כובעים',
      'צעיף',
      'משקפי',
      'משקפיים',
      'תכשיט',
      'תכשיטים',
      'שרשרת',
      'עגילים',
      'עגיל',
      'צמיד',
      'טבעת',
      'שעון',
      'כפפות',
      'גרביים',
    ],
  ],
];

/** Words that say nothing about what a product is (merchandising, audience, season). */
export const NOISE_WORDS: ReadonlySet<string> = new Set([
  'sale',
  'new',
  'in',
  'newin',
  'women',
  'womens',
  "women's",
  'woman',
  'men',
  'mens',
  "men's",
  'man',
  'kids',
  'unisex',
  'collection',
  'clearance',
  'outlet',
  'summer',
  'winter',
  'spring',
  'autumn',
  'fall',
  'season',
  'best',
  'sellers',
  'seller',
  'trending',
  'all',
  'shop',
  'the',
  'and',
  'for',
  'of',
  'with',
  'off',
  'limited',
  'edition',
  'exclusive',
  'online',
  'only',
  'last',
  'chance',
  'arrivals',
  'מבצע',
  'מבצעים',
  'סייל',
  'חדש',
  'חדשים',
  'חדשות',
  'נשים',
  'גברים',
  'ילדים',
  'קולקציה',
  'קולקציית',
  'עונה',
  'קיץ',
  'חורף',
  'אאוטלט',
  'הנחה',
  'הנחות',
  'לנשים',
  'לגברים',
  'של',
  'עם',
]);

const HEBREW_PREFIXES = ['ה', 'ו', 'ב', 'ל', 'מ', 'ש', 'כ'];
const HEBREW = /[\u0590-\u05ff]/;

/** Lower-cased words; geresh (׳) and curly apostrophes become "'" so ז׳קט and ז'קט are one word. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\u05f3\u2019\u2018`]/g, "'")
    .split(/[^\p{L}\p{N}'-]+/u)
    .map((word) => word.replace(/^['-]+|['-]+$/g, ''))
    .filter((word) => word.length > 0 && !NOISE_WORDS.has(word));
}

function wordForms(word: string): string[] {
  if (HEBREW.test(word)) {
    const forms = [word];
    if (word.length > 2 && HEBREW_PREFIXES.includes(word[0] as string)) forms.push(word.slice(1));
    return forms;
  }
  const forms = [word];
  if (word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('es')) forms.push(word.slice(0, -2));
  if (word.endsWith('s')) forms.push(word.slice(0, -1));
  return forms;
}

const KEYWORDS: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  BUCKETS.forEach(([, words], rank) => {
    for (const word of words) if (!map.has(word)) map.set(word.toLowerCase(), rank);
  });
  return map;
})();

/** The best (earliest) bucket among the words of one text, or undefined. Two-word keywords are matched too. */
function bucketOf(text: string): number | undefined {
  const words = tokenize(text);
  let best: number | undefined;
  const consider = (candidate: string) => {
    const rank = KEYWORDS.get(candidate);
    if (rank !== undefined && (best === undefined || rank < best)) best = rank;
  };
  words.forEach((word, index) => {
    for (const form of wordForms(word)) consider(form);
    const next = words[index + 1];
    if (next !== undefined) consider(`${word} ${next}`);
  });
  return best;
}

/** The product's category: the raw store categories decide when they name one, else the title, else `other`. */
export function deriveCategory(input: { rawCategories: readonly string[]; title: string }): Category {
  const fromRaw = bucketOf(input.rawCategories.join(' | '));
  const rank = fromRaw ?? bucketOf(input.title);
  return rank === undefined ? 'other' : (BUCKETS[rank]?.[0] ?? 'other');
}

import { expect, test } from '@playwright/test';
import { deriveCategory, tokenize } from '@/features/catalog/utils/category';

const category = (title: string, rawCategories: string[] = []) => deriveCategory({ title, rawCategories });

test('English keywords, fixed order, plurals', () => {
  expect(category('Classic white sneakers')).toBe('shoes');
  expect(category('Dress shoes in leather')).toBe('shoes'); // shoes come before dresses
  expect(category('Linen shirt dress')).toBe('dresses'); // dresses come before tops
  expect(category('Oversized hoodie')).toBe('tops');
  expect(category('Wool blazer')).toBe('jackets');
  expect(category('Leather tote')).toBe('bags');
  expect(category('Silver necklace')).toBe('accessories');
  expect(category('Gift card')).toBe('other');
});

test('pants cover skirts, jeans and shorts', () => {
  expect(category('Pleated midi skirt')).toBe('pants');
  expect(category('Slim fit jeans')).toBe('pants');
  expect(category('Denim shorts')).toBe('pants');
  expect(category('Wide-leg trousers')).toBe('pants');
  expect(category('Short sleeve tee')).toBe('tops'); // "short" alone is not shorts
});

test('raw store categories decide before the title; noise words never decide', () => {
  expect(category('The Riviera', ['Women', 'Sale', 'Dresses'])).toBe('dresses');
  expect(category('Summer essentials knit top', ['New in', 'Sale'])).toBe('tops');
  expect(category('Anything', ['Sale', 'New In', 'Women'])).toBe('other');
  expect(tokenize('New In | SALE | Women’s Jeans')).toEqual(['jeans']);
});

test('Hebrew keywords, with one-letter prefixes and geresh spellings', () => {
  expect(category('שמלת ערב שחורה')).toBe('dresses');
  expect(category('השמלה האדומה')).toBe('dresses');
  expect(category('חצאית מיני')).toBe('pants');
  expect(category('ג׳ינס בגזרה ישרה')).toBe('pants');
  expect(category("ז'קט עור")).toBe('jackets');
  expect(category('נעלי ספורט')).toBe('shoes');
  expect(category('חולצה לבנה')).toBe('tops');
  expect(category('תיק צד')).toBe('bags');
  expect(category('מוצר', ['נשים', 'מבצע', 'מעילים'])).toBe('jackets');
  expect(category('כובע קש')).toBe('accessories');
});

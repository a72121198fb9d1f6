import { expect, test } from '@playwright/test';
import { mayWriteStore } from '@/features/accounts/service/api-keys';
import { productUrlAllowed } from '@/features/catalog/utils/store-urls';

test('a product URL must name one of its store’s hosts (or a subdomain); a store without hosts has no rule', () => {
  const hosts = ['shop-a.com'];
  expect(productUrlAllowed('https://shop-a.com/p/1', hosts)).toBe(true);
  expect(productUrlAllowed('https://www.shop-a.com/p/1', hosts)).toBe(true);
  expect(productUrlAllowed('https://evilshop-a.com/p/1', hosts)).toBe(false);
  expect(productUrlAllowed('https://shop-a.com.evil.net/p/1', hosts)).toBe(false);
  expect(productUrlAllowed('https://user@phish.net/?u=shop-a.com', hosts)).toBe(false);
  expect(productUrlAllowed('not a url', hosts)).toBe(false);
  expect(productUrlAllowed('https://anything.example/p', undefined)).toBe(true);
});

test('a key writes only its stores; a key without store list (--all-stores) writes every store', () => {
  expect(mayWriteStore({ storeIds: ['a', 'b'] }, 'a')).toBe(true);
  expect(mayWriteStore({ storeIds: ['a', 'b'] }, 'c')).toBe(false);
  expect(mayWriteStore({ storeIds: [] }, 'a')).toBe(false);
  expect(mayWriteStore({ storeIds: null }, 'c')).toBe(true);
});

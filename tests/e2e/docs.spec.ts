import { expect, type Page, test } from '@playwright/test';
import { randomClientIp, uniqueEmail } from '../support/fixtures';
import { photo } from '../support/images';

// /docs: Swagger UI for the OpenAPI 3.1 document at /api/openapi.json, in the production build. Guards the
// Turbopack/apidom regression ("OpenApi3_1Element.refract is not a function": operations never expand), the
// CSP, and the OAuth2 password flow of "Authorize".

let errors: string[] = [];

test.beforeEach(({ page }) => {
  errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
});

// Runs (and reports) even when the test body failed, so the root-cause console error is shown.
test.afterEach(() => {
  expect(errors, 'console errors / uncaught exceptions on /docs').toEqual([]);
});

function operation(page: Page, method: string, path: string) {
  return page
    .locator(`.opblock-${method.toLowerCase()}`)
    .filter({ has: page.locator('.opblock-summary-path', { hasText: new RegExp(`^${path}$`) }) });
}

async function execute(page: Page, method: string, path: string) {
  const block = operation(page, method, path);
  await block.locator('.opblock-summary').click();
  await expect(block).toHaveClass(/is-open/);
  await block.getByRole('button', { name: 'Try it out' }).click();
  await block.getByRole('button', { name: 'Execute' }).click();
  return block.locator('.live-responses-table tbody tr.response');
}

test('/docs renders every operation; GET /api/health runs from "Try it out"', async ({ page, request }) => {
  const response = await page.goto('/docs');
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  await expect(page).toHaveTitle('Stylipp API docs');

  const document = await (await request.get('/api/openapi.json')).json();
  const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, item]) => Object.keys(item).map((method) => ({ method, path })),
  );
  for (const { method, path } of operations) await expect(operation(page, method, path)).toHaveCount(1);

  const result = await execute(page, 'GET', '/api/health');
  await expect(result.locator('.response-col_status')).toHaveText('200');
  await expect(result.locator('.response-col_description')).toContainText('"status": "healthy"');
});

test('Authorize with the OAuth2 password flow, then GET /api/users/me and an upload work', async ({
  page,
  playwright,
  baseURL,
}) => {
  const email = uniqueEmail('docs');
  const password = 'swagger ui passphrase';
  const api = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { 'x-forwarded-for': randomClientIp() },
  });
  expect((await api.post('/api/auth/register', { data: { email, password } })).status()).toBe(201);
  await api.dispose();

  await page.goto('/docs');
  await page
    .locator('.auth-wrapper')
    .getByRole('button', { name: /Authorize/ })
    .click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  const oauth = dialog.locator('.auth-container').filter({ hasText: 'oauth2' });
  await expect(oauth).toContainText('/api/auth/token');
  await oauth.locator('#oauth_username').fill(email);
  await oauth.locator('#oauth_password').fill(password);
  await oauth.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
  await expect(oauth.getByText('Authorized', { exact: true })).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).first().click();

  const result = await execute(page, 'GET', '/api/users/me');
  await expect(result.locator('.response-col_status')).toHaveText('200');
  await expect(result.locator('.response-col_description')).toContainText(email);

  // "Try it out" on the multipart operation uploads a real file.
  const upload = operation(page, 'POST', '/api/uploads');
  await upload.locator('.opblock-summary').click();
  await upload.getByRole('button', { name: 'Try it out' }).click();
  await upload
    .locator('input[type=file]')
    .setInputFiles({ name: 'outfit.jpg', mimeType: 'image/jpeg', buffer: await photo('jpeg') });
  await upload.getByRole('button', { name: 'Execute' }).click();
  const uploaded = upload.locator('.live-responses-table tbody tr.response');
  await expect(uploaded.locator('.response-col_status')).toHaveText('201');
  await expect(uploaded.locator('.response-col_description')).toContainText('"contentType": "image/jpeg"');
});

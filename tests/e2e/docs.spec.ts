import { expect, test } from '@playwright/test';

// /docs: Swagger UI for the OpenAPI 3.1 document at /api/openapi.json. Guards the Turbopack/apidom
// regression ("OpenApi3_1Element.refract is not a function": operations never expand) and the CSP.

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

test('/docs renders Swagger UI, runs GET /api/health and opens Authorize', async ({ page }) => {
  const response = await page.goto('/docs');
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  await expect(page).toHaveTitle('Stylipp API docs');

  const operation = page
    .locator('.opblock')
    .filter({ has: page.locator('.opblock-summary-path', { hasText: /^\/api\/health$/ }) });
  const summary = operation.locator('.opblock-summary');
  await expect(summary).toBeVisible();
  await expect(summary.locator('.opblock-summary-method')).toHaveText('GET');

  await summary.click();
  await expect(operation).toHaveClass(/is-open/);
  const tryItOut = operation.getByRole('button', { name: 'Try it out' });
  await expect(tryItOut).toBeVisible();
  await tryItOut.click();
  await operation.getByRole('button', { name: 'Execute' }).click();

  const liveResponse = operation.locator('.live-responses-table tbody tr.response');
  await expect(liveResponse.locator('.response-col_status')).toHaveText('200');
  await expect(liveResponse.locator('.response-col_description')).toContainText('"status": "healthy"');

  await page
    .locator('.auth-wrapper')
    .getByRole('button', { name: /Authorize/ })
    .click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('bearerAuth');
  await expect(dialog).toContainText('http, Bearer');
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await expect(dialog).toBeHidden();
});

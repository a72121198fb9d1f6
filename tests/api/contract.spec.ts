import { readFileSync } from 'node:fs';
import { createApiClient } from '@/features/api-client/client';
import { expect, test } from '../support/fixtures';

const snapshot = JSON.parse(readFileSync('tests/contract/openapi.snapshot.json', 'utf8'));

test('GET /api/openapi.json serves exactly the committed document', async ({ request }) => {
  const response = await request.get('/api/openapi.json');
  expect(response.status()).toBe(200);
  const document = await response.json();
  expect(document).toEqual(snapshot);
  expect(document.openapi).toBe('3.1.0');
  expect(document.info.title).toBe('Stylipp API');
  expect(Object.keys(document.paths).length).toBeGreaterThan(0);
});

test('the generated typed client talks to the running server', async ({ baseURL }) => {
  const client = createApiClient({ baseUrl: baseURL });
  const health = await client.GET('/api/health');
  expect(health.response.status).toBe(200);
  expect(health.data?.status).toBe('healthy');

  const ready = await client.GET('/api/health/ready');
  expect(ready.data?.checks?.database.status).toBe('up'); // a loopback caller: the details
  expect(ready.data?.checks?.migrations.pending).toEqual([]);
});

import { expect, test } from '@playwright/test';
import { z } from 'zod';
import { DomainError } from '@/features/core/errors/errors';
import { defineRoute } from '@/features/core/http/define-route';
import { nextRouteHandlers } from '@/features/core/http/next-handlers';
import { createOperationTable } from '@/features/core/http/operation-table';

// The contract helper in-process: Request in, Response out, no server.

const Item = z.object({ id: z.string(), name: z.string() });

const createItem = defineRoute({
  method: 'POST',
  path: '/api/items/{id}',
  operationId: 'createItem',
  summary: 'test',
  tags: ['test'],
  request: {
    params: z.object({ id: z.uuid() }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(50).default(10),
      dryRun: z.stringbool().default(false),
    }),
    body: {
      schema: z.object({ name: z.string().min(2), tags: z.array(z.string()).max(3).optional() }),
      mediaTypes: ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'],
      maxBytes: 256,
    },
  },
  responses: { 201: { description: 'created', schema: Item } },
}).handle(({ params, query, body }) => ({
  status: 201,
  // `secret` is not in the schema: the response must strip it.
  body: { id: params.id, name: `${body.name}:${query.limit}:${query.dryRun}`, secret: 'hash' } as z.input<
    typeof Item
  >,
}));

const broken = defineRoute({
  method: 'GET',
  path: '/api/items/{id}',
  operationId: 'getItem',
  summary: 'test',
  tags: ['test'],
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: 'ok', schema: Item } },
}).handle(({ params }) => {
  if (params.id === 'wrong-shape') return { status: 200, body: { id: 1 } as unknown as z.input<typeof Item> };
  if (params.id === 'undeclared') return { status: 418, body: undefined } as never;
  if (params.id === 'missing') throw new DomainError('not_found', 'No such item.');
  if (params.id === 'busy') throw new DomainError('rate_limited', 'Slow down.', { retryAfter: 30 });
  if (params.id === 'db-down')
    throw new Error('Failed query', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
  throw new Error('secret internal detail: password=hunter2');
});

const { POST, GET, DELETE, OPTIONS } = nextRouteHandlers(
  createOperationTable([createItem, broken]).get('/api/items/{id}'),
);
const ID = '0198a6e2-6c1e-7d6f-9a4e-3b1f2a5c6d7e';
const url = (query = '') => `http://localhost/api/items/${ID}${query}`;
const ctx = (id = ID) => ({ params: Promise.resolve({ id }) });
const json = (body: string, headers: Record<string, string> = {}) =>
  new Request(url('?limit=5&dryRun=true'), {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });

test('a valid JSON body reaches the handler typed; query numbers and booleans are coerced; extra keys stripped', async () => {
  const response = await POST(json('{"name":"coat"}'), ctx());
  expect(response.status).toBe(201);
  expect(await response.json()).toEqual({ id: ID, name: 'coat:5:true' });
});

test('form-urlencoded and multipart bodies are accepted where declared', async () => {
  const form = await POST(
    new Request(url(), {
      method: 'POST',
      body: 'name=scarf',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }),
    ctx(),
  );
  expect(await form.json()).toEqual({ id: ID, name: 'scarf:10:false' });
  const data = new FormData();
  data.set('name', 'boots');
  const multipart = await POST(new Request(url(), { method: 'POST', body: data }), ctx());
  expect(multipart.status).toBe(201);
});

test('malformed JSON → 400 problem', async () => {
  const response = await POST(json('{"name":'), ctx());
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect((await response.json()).detail).toContain('not valid JSON');
});

test('a Content-Type the operation does not take → 415', async () => {
  const response = await POST(
    new Request(url(), { method: 'POST', body: 'name', headers: { 'content-type': 'text/plain' } }),
    ctx(),
  );
  expect(response.status).toBe(415);
  expect((await response.json()).detail).toContain('text/plain');
});

test('a body over the limit → 413, counted on the stream whatever Content-Length says', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(300) });
  expect((await POST(json(big), ctx())).status).toBe(413);
  // A lying Content-Length and a streamed body: still 413.
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('{"name":"xxxxxxxxxxxx'));
      controller.close();
    },
  });
  const streamed = new Request(url(), {
    method: 'POST',
    body: stream,
    headers: { 'content-type': 'application/json', 'content-length': '10' },
    duplex: 'half',
  } as RequestInit);
  expect((await POST(streamed, ctx())).status).toBe(413);
});

test('every invalid field of params, query and body → one 422 listing each', async () => {
  const request = new Request('http://localhost/api/items/not-a-uuid?limit=500&dryRun=maybe', {
    method: 'POST',
    body: '{"name":"x","tags":["a","b","c","d"]}',
    headers: { 'content-type': 'application/json' },
  });
  const response = await POST(request, ctx('not-a-uuid'));
  expect(response.status).toBe(422);
  const body = await response.json();
  expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
    'body.name',
    'body.tags',
    'params.id',
    'query.dryRun',
    'query.limit',
  ]);
  for (const error of body.errors) expect(error.message).toEqual(expect.any(String));
});

test('a response that breaks its schema → 500, never sent through', async () => {
  const response = await GET(new Request('http://localhost/api/items/wrong-shape'), ctx('wrong-shape'));
  expect(response.status).toBe(500);
  const text = await response.text();
  expect(text).not.toContain('"id":1');
  expect(JSON.parse(text).detail).toContain('unexpected error');
  expect((await GET(new Request('http://localhost/api/items/undeclared'), ctx('undeclared'))).status).toBe(
    500,
  );
});

test('domain errors map to their status; unknown errors to a generic 500; an unreachable database to 503', async () => {
  const call = (id: string) => GET(new Request(`http://localhost/api/items/${id}`), ctx(id));
  expect((await call('missing')).status).toBe(404);
  const busy = await call('busy');
  expect(busy.status).toBe(429);
  expect(busy.headers.get('retry-after')).toBe('30');
  const down = await call('db-down');
  expect(down.status).toBe(503);
  expect(down.headers.get('retry-after')).toBeTruthy();
  const crash = await call('crash');
  expect(crash.status).toBe(500);
  const body = await crash.json();
  expect(JSON.stringify(body)).not.toContain('hunter2');
  expect(body.detail).toContain(body.requestId);
});

test('an undefined method → 405 with Allow; OPTIONS lists the methods', async () => {
  const response = await DELETE(new Request(url(), { method: 'DELETE' }), ctx());
  expect(response.status).toBe(405);
  expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
  const options = await OPTIONS(new Request(url(), { method: 'OPTIONS' }), ctx());
  expect(options.status).toBe(204);
  expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
});

test('a NUL character in any string — value, key, query, param or form field — is a 422 naming the field', async () => {
  const value = await POST(json(JSON.stringify({ name: 'co\u0000at' })), ctx());
  expect(value.status).toBe(422);
  expect((await value.json()).errors).toEqual([
    { path: 'body.name', message: expect.stringContaining('NUL') },
  ]);
  const key = await POST(json(JSON.stringify({ name: 'coat', 'ev\u0000il': 1 })), ctx());
  expect(key.status).toBe(422);
  expect((await key.json()).errors[0].path).toBe('body.ev\\u0000il');
  const nested = await POST(json(JSON.stringify({ name: 'coat', tags: ['a', 'b\u0000'] })), ctx());
  expect((await nested.json()).errors[0].path).toBe('body.tags.1');
  const query = await POST(
    new Request(url('?limit=5&dryRun=tr%00ue'), {
      method: 'POST',
      body: '{"name":"coat"}',
      headers: { 'content-type': 'application/json' },
    }),
    ctx(),
  );
  expect((await query.json()).errors[0].path).toBe('query.dryRun');
  const form = await POST(
    new Request(url(), {
      method: 'POST',
      body: 'name=sc%00arf',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }),
    ctx(),
  );
  expect(form.status).toBe(422);
});

const deep = defineRoute({
  method: 'POST',
  path: '/api/deep',
  operationId: 'deep',
  summary: 'test',
  tags: ['test'],
  auth: { security: [], authenticate: async () => ({ id: 'u' }) },
  request: { body: { schema: z.unknown() } },
  responses: { 200: { description: 'ok', schema: z.object({ ok: z.boolean() }) } },
}).handle(() => ({ status: 200, body: { ok: true } }));
const anonymous = defineRoute({
  method: 'POST',
  path: '/api/anonymous',
  operationId: 'anonymous',
  summary: 'test',
  tags: ['test'],
  request: { body: { schema: z.object({ text: z.string() }) } },
  responses: { 200: { description: 'ok', schema: z.object({ ok: z.boolean() }) } },
}).handle(() => ({ status: 200, body: { ok: true } }));
const deepPost = nextRouteHandlers(createOperationTable([deep]).get('/api/deep')).POST;
const anonymousPost = nextRouteHandlers(createOperationTable([anonymous]).get('/api/anonymous')).POST;
const post = (path: string, body: string) =>
  new Request(`http://localhost${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });

test('JSON nesting deeper than 32 or an array over 1000 items → 422 before parsing; strings do not count', async () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  expect((await deepPost(post('/api/deep', nested(32)), {})).status).toBe(200);
  const tooDeep = await deepPost(post('/api/deep', nested(33)), {});
  expect(tooDeep.status).toBe(422);
  expect((await tooDeep.json()).detail).toContain('deeper than 32');
  // Half a MiB of brackets is refused at once, as a 422 (not a 400 from a stack overflow, nor a 500).
  expect((await deepPost(post('/api/deep', nested(250_000)), {})).status).toBe(422);
  const items = (count: number) => JSON.stringify(Array.from({ length: count }, (_, i) => i));
  expect((await deepPost(post('/api/deep', items(1000)), {})).status).toBe(200);
  const tooMany = await deepPost(post('/api/deep', items(1001)), {});
  expect(tooMany.status).toBe(422);
  expect((await tooMany.json()).detail).toContain('more than 1000 items');
  // Brackets and commas inside strings (with escaped quotes) are text, not structure.
  const text = JSON.stringify({ s: `\\"${'[,'.repeat(5000)}` });
  expect((await deepPost(post('/api/deep', text), {})).status).toBe(200);
});

test('an operation without auth takes at most 16 KiB of body by default; a guarded one 1 MiB', async () => {
  const body = (bytes: number) => JSON.stringify({ text: 'x'.repeat(bytes - 11) });
  expect((await anonymousPost(post('/api/anonymous', body(16 * 1024)), {})).status).toBe(200);
  expect((await anonymousPost(post('/api/anonymous', body(16 * 1024 + 1)), {})).status).toBe(413);
  expect((await deepPost(post('/api/deep', body(512 * 1024)), {})).status).toBe(200);
});

test('HEAD never opens a lazy body; an eager stream a HEAD does not send is cancelled', async () => {
  let opened = 0;
  let cancelled = 0;
  const stream = () =>
    new ReadableStream({
      pull: (controller) => controller.enqueue(new Uint8Array(8)),
      cancel: () => {
        cancelled++;
      },
    });
  const file = defineRoute({
    method: 'GET',
    path: '/api/files/{kind}',
    operationId: 'getFile',
    summary: 'test',
    tags: ['test'],
    request: { params: z.object({ kind: z.enum(['lazy', 'eager']) }) },
    responses: { 200: { description: 'bytes', mediaType: 'application/octet-stream' } },
  }).handle(({ params }) => ({
    status: 200,
    body:
      params.kind === 'lazy'
        ? async () => {
            opened++;
            return new Uint8Array([1, 2, 3]);
          }
        : stream(),
    headers: { 'content-length': '3' },
  }));
  const { GET: get, HEAD: head } = nextRouteHandlers(createOperationTable([file]).get('/api/files/{kind}'));
  const call = (handler: typeof get, kind: string) =>
    handler(new Request(`http://localhost/api/files/${kind}`, { method: handler === get ? 'GET' : 'HEAD' }), {
      params: Promise.resolve({ kind }),
    });
  const headLazy = await call(head, 'lazy');
  expect(headLazy.status).toBe(200);
  expect(headLazy.headers.get('content-length')).toBe('3');
  expect(opened).toBe(0);
  expect([...new Uint8Array(await (await call(get, 'lazy')).arrayBuffer())]).toEqual([1, 2, 3]);
  expect(opened).toBe(1);
  expect((await call(head, 'eager')).body).toBeNull();
  expect(cancelled).toBe(1);
});

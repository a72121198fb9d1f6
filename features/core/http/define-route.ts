import type { z } from 'zod';
import { ANONYMOUS_BODY_LIMIT_BYTES, type BodyMediaType, DEFAULT_BODY_LIMIT_BYTES } from './body';

// One definition per operation: the contract (method, path, docs, request schemas, one schema per response
// status, auth) and its handler. The request lifecycle (`lifecycle.ts`) derives parsing, validation, auth and
// response checks from it; `features/core/openapi` derives the document from the same object.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How an operation authenticates its caller; supplied by the auth feature, so the kernel imports no feature. */
export interface Guard<User> {
  /** OpenAPI security requirements (alternatives), e.g. `[{ bearerAuth: [] }, { sessionCookie: [] }]`. */
  readonly security: Record<string, string[]>[];
  /** Resolves the caller or throws a DomainError (`unauthorized` → 401, `forbidden` → 403). */
  authenticate(request: Request): Promise<User>;
}

export interface ResponseSpec {
  description: string;
  /** Absent for bodiless responses (204, 304). */
  schema?: z.ZodType;
  /** Media type of a non-JSON body, e.g. `image/png`; the handler then returns a Blob/stream. */
  mediaType?: string;
  headers?: Record<string, { description: string; schema?: { type: 'string' | 'integer' } }>;
}

export interface BodySpec<B extends z.ZodType> {
  schema: B;
  /** Media types accepted; default JSON only. */
  mediaTypes?: readonly BodyMediaType[];
  /**
   * Largest accepted body in bytes (or a function read per request, e.g. from config); default 1 MiB, or
   * 16 KiB for an operation without `auth` (anyone can call it).
   */
  maxBytes?: number | (() => number);
  description?: string;
  required?: boolean;
}

type Responses = Record<number, ResponseSpec>;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
type In<S> = S extends z.ZodType ? z.input<S> : undefined;

/**
 * A body opened only when it is sent: HEAD never calls it, so a stored file or S3 object is never opened
 * for a response that carries no bytes.
 */
export type LazyBody = () => Promise<BodyInit>;

/** What a handler may return: one of the declared statuses with a body its schema accepts. */
export type HandlerResult<R extends Responses> = {
  [K in keyof R & number]: R[K]['schema'] extends z.ZodType
    ? { status: K; body: In<R[K]['schema']>; headers?: Record<string, string> }
    : R[K]['mediaType'] extends string
      ? { status: K; body: BodyInit | LazyBody; headers?: Record<string, string> }
      : { status: K; body?: undefined; headers?: Record<string, string> };
}[keyof R & number];

export interface HandlerInput<P, Q, H, B, U> {
  params: Out<P>;
  query: Out<Q>;
  headers: Out<H>;
  body: Out<B>;
  /** The authenticated caller (`undefined` when the operation has no guard). */
  user: U;
  request: Request;
  requestId: string;
}

export interface RouteDefinition<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  H extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends Responses = Responses,
  U = unknown,
> {
  method: HttpMethod;
  /** OpenAPI-style path: `/api/uploads/{id}`. */
  path: `/api/${string}`;
  operationId: string;
  summary: string;
  description?: string;
  tags: [string, ...string[]];
  auth?: Guard<U>;
  request?: {
    params?: P;
    query?: Q;
    headers?: H;
    body?: B extends z.ZodType ? BodySpec<B> : undefined;
  };
  responses: R;
  /** Problem statuses the handler's domain errors produce (409, 404, 429, …); kernel ones are added automatically. */
  problems?: number[];
}

export type Handler<P, Q, H, B, R extends Responses, U> = (
  input: HandlerInput<P, Q, H, B, U>,
) => Promise<HandlerResult<R>> | HandlerResult<R>;

/** A contract with its handler: what routers list and the OpenAPI document reads. */
export interface Route<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  H extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends Responses = Responses,
  U = unknown,
> extends RouteDefinition<P, Q, H, B, R, U> {
  handler: Handler<P, Q, H, B, R, U>;
}

// biome-ignore lint/suspicious/noExplicitAny: the erased form a router stores; each definition stays typed.
export type AnyRoute = Route<any, any, any, any, any, any>;

/**
 * Declares an operation: `defineRoute(contract).handle(handler)`. The contract types the handler's input and
 * output: it cannot read an unvalidated value nor return an undeclared status or body shape.
 */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  const R extends Responses = Responses,
  U = undefined,
>(
  contract: RouteDefinition<P, Q, H, B, R, U>,
): { handle(handler: Handler<P, Q, H, B, R, U>): Route<P, Q, H, B, R, U> } {
  // Curried so R is fixed by the contract before the handler is checked against it (as a second argument,
  // TypeScript would infer R from the handler too and widen its literals).
  return { handle: (handler) => ({ ...contract, handler }) };
}

/** The largest request body an operation accepts (the lifecycle reads it up to this; our own server counts every body against it as it arrives). */
export function routeBodyLimit(route: AnyRoute): number {
  const maxBytes = route.request?.body?.maxBytes;
  if (typeof maxBytes === 'function') return maxBytes();
  // Anonymous operations (register, token, revoke) take a much smaller body than signed-in ones.
  return maxBytes ?? (route.auth ? DEFAULT_BODY_LIMIT_BYTES : ANONYMOUS_BODY_LIMIT_BYTES);
}

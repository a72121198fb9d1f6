// Typed domain errors. Services throw these; the HTTP kernel maps each kind to one status (and nothing else
// decides statuses for them). They carry no HTTP types so services never depend on the web layer.

export type DomainErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid'
  | 'unsupported_media_type'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable';

export interface DomainErrorOptions {
  /**
   * Machine-readable code, e.g. `email_taken` or `invalid_grant`. The edge (features/core/http/problem.ts)
   * decides how a code travels: every code as `code`, OAuth2 token errors also as RFC 6749 `error`.
   */
  code?: string;
  /** Field errors for `invalid`, named by the input field (`password`), never by a request location. */
  fields?: { field: string; message: string }[];
  /** Field errors with their request location (`query.cursor`); prefer `fields` in new code. */
  errors?: { path: string; message: string }[];
  /** Seconds, for `rate_limited` and `unavailable`. */
  retryAfter?: number;
  /** Facts the caller can act on, e.g. `{ quota: { count, maxCount } }`; the edge adds them as problem members. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly code: string | undefined;
  readonly fields: { field: string; message: string }[] | undefined;
  readonly errors: { path: string; message: string }[] | undefined;
  readonly retryAfter: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.code = options.code;
    this.fields = options.fields;
    this.errors = options.errors;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
  }
}

export const notFound = (message = 'The resource does not exist.') => new DomainError('not_found', message);
export const conflict = (message: string, code?: string) => new DomainError('conflict', message, { code });
export const unauthorized = (message = 'Authentication is required.', code?: string) =>
  new DomainError('unauthorized', message, { code });
export const forbidden = (message: string) => new DomainError('forbidden', message);

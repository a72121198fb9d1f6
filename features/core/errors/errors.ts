// The one error class. Services throw these, and so does the HTTP kernel (a malformed body, a method the path
// does not define); the one mapper (features/core/http/problem.ts) turns each kind into one status through one
// table. They carry no HTTP types, so services never depend on the web layer.

export type DomainErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid'
  | 'unsupported_media_type'
  | 'too_large'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

/** An invalid input field. Services name input fields only; the kernel also says where a field is. */
export interface FieldError {
  field: string;
  message: string;
  /** Where the field is in the request; default the body. */
  in?: 'body' | 'query' | 'params' | 'headers';
}

export interface DomainErrorOptions {
  /**
   * Machine-readable code, e.g. `email_taken` or `invalid_grant`. The edge (features/core/http/problem.ts)
   * decides how a code travels: every code as `code`, OAuth2 token errors also as RFC 6749 `error`.
   */
  code?: string;
  /** Field errors for `invalid`, named by the input field (`password`). */
  fields?: FieldError[];
  /** Response headers the problem carries besides `Retry-After` (`Allow` for a 405, `Accept-Post` for a 415). */
  headers?: Record<string, string>;
  /** Seconds, for `rate_limited` and `unavailable`. */
  retryAfter?: number;
  /** Facts the caller can act on, e.g. `{ quota: { count, maxCount } }`; the edge adds them as problem members. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly code: string | undefined;
  readonly fields: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;
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
    this.headers = options.headers;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
  }
}

export const notFound = (message = 'The resource does not exist.') => new DomainError('not_found', message);
export const conflict = (message: string, code?: string) => new DomainError('conflict', message, { code });
export const unauthorized = (message = 'Authentication is required.', code?: string) =>
  new DomainError('unauthorized', message, { code });
export const forbidden = (message: string) => new DomainError('forbidden', message);

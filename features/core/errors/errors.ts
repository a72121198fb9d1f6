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
  /** Machine-readable code, e.g. an OAuth2 error such as `invalid_grant`. */
  code?: string;
  /** Field errors for `invalid`. */
  errors?: { path: string; message: string }[];
  /** Seconds, for `rate_limited` and `unavailable`. */
  retryAfter?: number;
  /** Extra members for the problem body, e.g. OAuth2's `error` / `error_description`. */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly code: string | undefined;
  readonly errors: { path: string; message: string }[] | undefined;
  readonly retryAfter: number | undefined;
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.code = options.code;
    this.errors = options.errors;
    this.retryAfter = options.retryAfter;
    this.extensions = options.extensions;
  }
}

export const notFound = (message = 'The resource does not exist.') => new DomainError('not_found', message);
export const conflict = (message: string, code?: string) => new DomainError('conflict', message, { code });
export const unauthorized = (message = 'Authentication is required.', code?: string) =>
  new DomainError('unauthorized', message, { code });
export const forbidden = (message: string) => new DomainError('forbidden', message);

import { z } from 'zod';
import type { DomainError, DomainErrorKind, FieldError } from '@/features/core/errors/errors';
import { STATUS, STATUS_TITLES } from './status';

// RFC 9457 problem details: the one error shape of the API.

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://stylipp.com/problems/';

export const FieldErrorSchema = z
  .object({
    path: z.string().meta({ description: 'Where the value is: `body.email`, `query.limit`, `params.id`, …' }),
    message: z.string(),
  })
  .meta({ id: 'FieldError' });

export const ProblemSchema = z
  .object({
    type: z
      .string()
      .meta({ description: 'A URI identifying the problem type', example: `${PROBLEM_TYPE_BASE}not-found` }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional().meta({ description: 'The request path' }),
    requestId: z
      .string()
      .meta({ description: 'Quote it when reporting a problem; also in the X-Request-Id header' }),
    code: z
      .string()
      .optional()
      .meta({ description: 'Machine-readable code, e.g. an OAuth2 error (`invalid_grant`)' }),
    errors: z.array(FieldErrorSchema).optional().meta({ description: 'Every failing field (422 only)' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export type Problem = z.infer<typeof ProblemSchema>;

// The one table from domain errors to the wire: each kind has one status; codes that are RFC 6749 §5.2
// token-endpoint errors also travel as OAuth2's `error` / `error_description` members, so OAuth2 clients
// read them where they look. Services only name the kind and the code.
const KIND_STATUS: Record<DomainErrorKind, number> = {
  bad_request: STATUS.BAD_REQUEST,
  unauthorized: STATUS.UNAUTHORIZED,
  forbidden: STATUS.FORBIDDEN,
  not_found: STATUS.NOT_FOUND,
  conflict: STATUS.CONFLICT,
  invalid: STATUS.UNPROCESSABLE_CONTENT,
  unsupported_media_type: STATUS.UNSUPPORTED_MEDIA_TYPE,
  too_large: STATUS.PAYLOAD_TOO_LARGE,
  method_not_allowed: STATUS.METHOD_NOT_ALLOWED,
  rate_limited: STATUS.TOO_MANY_REQUESTS,
  unavailable: STATUS.SERVICE_UNAVAILABLE,
  internal: STATUS.INTERNAL_SERVER_ERROR,
};
const OAUTH_TOKEN_ERRORS = new Set(['invalid_request', 'invalid_grant', 'unsupported_grant_type']);

/** A problem ready to send: its status, headers and body. */
export interface ProblemReply {
  status: number;
  headers: Record<string, string>;
  body: Problem;
}

/** The one mapper from a domain error to its problem (status from the table, headers, body members). */
export function problemOf(error: DomainError, context: { requestId: string; path: string }): ProblemReply {
  const status = KIND_STATUS[error.kind];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(error.headers ?? {})) headers[name.toLowerCase()] = value;
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  if (status === STATUS.UNAUTHORIZED) headers['www-authenticate'] = bearerChallenge(error.code);
  const fields = error.fields ?? [];
  const body: Problem = {
    ...problemMembers(error),
    type: problemType(status),
    title: STATUS_TITLES[status] ?? 'Error',
    status,
    detail: error.message,
    instance: context.path,
    requestId: context.requestId,
    ...(error.code ? { code: error.code } : {}),
    ...(fields.length > 0 ? { errors: fields.map(fieldPath) } : {}),
  };
  return { status, headers, body };
}

/** `body.email`, `query.cursor`, `params.id`; `body` alone for the body as a whole. */
function fieldPath({ field, message, in: location = 'body' }: FieldError): { path: string; message: string } {
  return { path: field === '' ? location : `${location}.${field}`, message };
}

/** Extra problem members: the error's details, and RFC 6749's `error` / `error_description` for OAuth2 codes. */
function problemMembers(error: DomainError): Record<string, unknown> | undefined {
  const oauth =
    error.code && OAUTH_TOKEN_ERRORS.has(error.code)
      ? { error: error.code, error_description: error.message }
      : undefined;
  return error.details || oauth ? { ...error.details, ...oauth } : undefined;
}

export function bearerChallenge(code?: string): string {
  return code === 'invalid_token'
    ? 'Bearer realm="stylipp", error="invalid_token"'
    : 'Bearer realm="stylipp"';
}

export function problemType(status: number): string {
  const slug = (STATUS_TITLES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '-');
  return `${PROBLEM_TYPE_BASE}${status === STATUS.UNPROCESSABLE_CONTENT ? 'validation-error' : slug}`;
}

import { createHash, randomBytes } from 'node:crypto';
import { conflict, DomainError, forbidden, notFound } from '@/features/core/errors/errors';
import type { Guard } from '@/features/core/http/define-route';
import { logger } from '@/features/core/logger/logger';
import * as repository from '../repository/api-keys';
import type { ApiKeyRow } from '../repository/api-keys.table';

// API keys for machines (store scrapers, admin scripts): random with a recognisable prefix, shown once,
// stored as a SHA-256, carrying scopes, revocable, sent as `Authorization: Bearer <key>`. They never open a
// user session, and a user's token or cookie never passes a scope guard. Logged by id, never by value.

export const API_KEY_SCOPES = ['catalog:write', 'clusters:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_PREFIX = 'stylipp_sk_';
const KEY_SHAPE = /^stylipp_sk_[A-Za-z0-9_-]{43}$/;
/** Characters of the key shown by `keys:list` (prefix + 4 random characters: identifies, reveals nothing useful). */
const DISPLAY_LENGTH = API_KEY_PREFIX.length + 4;
/** last_used_at is written at most this often per key (a scraper's batches should not each cost a write). */
const TOUCH_INTERVAL_MS = 60_000;

export interface ApiKeyInfo {
  id: string;
  name: string;
  keyPrefix: string;
  scopes: string[];
  /** The stores the key may write; null = every store. */
  storeIds: string[] | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The machine behind a request that passed a scope guard. */
export interface ApiKeyPrincipal {
  apiKeyId: string;
  name: string;
  scopes: string[];
  /** The stores whose products the key may write and archive; null = every store. */
  storeIds: string[] | null;
}

/** Whether a key may write or archive the products of `storeId`. */
export const mayWriteStore = (principal: Pick<ApiKeyPrincipal, 'storeIds'>, storeId: string): boolean =>
  principal.storeIds === null || principal.storeIds.includes(storeId);

const hashKey = (key: string) => createHash('sha256').update(key).digest('base64url');

const toInfo = (row: ApiKeyRow): ApiKeyInfo => ({
  id: row.id,
  name: row.name,
  keyPrefix: row.keyPrefix,
  scopes: row.scopes,
  storeIds: row.storeIds,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  revokedAt: row.revokedAt,
});

export function isApiKeyScope(scope: string): scope is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(scope);
}

/** Creates a key; the returned `key` is the only time its value exists outside the caller. */
export async function createApiKey(input: {
  name: string;
  scopes: string[];
  /** The stores it may write (`--store`), or 'all' (`--all-stores`); a catalog:write key needs one of them. */
  stores?: readonly string[] | 'all';
}): Promise<ApiKeyInfo & { key: string }> {
  const name = input.name.trim();
  if (!/^[\w.:-]{1,100}$/.test(name))
    throw new DomainError(
      'invalid',
      'A key name is 1–100 letters, digits, dots, dashes, colons or underscores.',
    );
  const scopes = [...new Set(input.scopes.map((scope) => scope.trim()).filter(Boolean))];
  const unknown = scopes.filter((scope) => !isApiKeyScope(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new DomainError(
      'invalid',
      `Scopes must be among ${API_KEY_SCOPES.join(', ')} (got ${unknown.join(', ') || 'none'}).`,
    );
  }
  const storeIds =
    input.stores === 'all'
      ? null
      : [...new Set((input.stores ?? []).map((store) => store.trim()).filter(Boolean))];
  if (storeIds?.some((store) => store.length > 100))
    throw new DomainError('invalid', 'A store id is at most 100 characters.');
  if (scopes.includes('catalog:write') && storeIds !== null && storeIds.length === 0) {
    throw new DomainError(
      'invalid',
      'A catalog:write key belongs to stores: give --store <id> (repeatable) or, for an admin key, --all-stores.',
    );
  }
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await repository.insertApiKey({
    name,
    scopes,
    storeIds,
    keyHash: hashKey(key),
    keyPrefix: key.slice(0, DISPLAY_LENGTH),
  });
  if (!row) throw conflict(`A key named ${name} exists already.`);
  logger.info('api key created', {
    apiKeyId: row.id,
    name: row.name,
    scopes: scopes.join(','),
    stores: storeIds?.join(',') ?? '*',
  });
  return { ...toInfo(row), key };
}

export async function listApiKeys(): Promise<ApiKeyInfo[]> {
  return (await repository.listApiKeys()).map(toInfo);
}

export async function revokeApiKey(idOrName: string, now = new Date()): Promise<ApiKeyInfo> {
  const row = await repository.revokeApiKey({ idOrName, at: now });
  if (!row) throw notFound(`No live key with id or name ${idOrName}.`);
  logger.info('api key revoked', { apiKeyId: row.id, name: row.name });
  return toInfo(row);
}

const lastTouched = new Map<string, number>();

/** The live key behind a presented value, or an `unauthorized` error. */
export async function authenticateApiKey(presented: string, now = new Date()): Promise<ApiKeyPrincipal> {
  const invalid = () =>
    new DomainError('unauthorized', 'The API key is invalid or revoked.', { code: 'invalid_token' });
  if (!KEY_SHAPE.test(presented)) throw invalid();
  const row = await repository.findApiKeyByHash(hashKey(presented));
  if (!row || row.revokedAt) throw invalid();
  if (now.getTime() - (lastTouched.get(row.id) ?? 0) > TOUCH_INTERVAL_MS) {
    lastTouched.set(row.id, now.getTime());
    await repository.touchApiKey({ id: row.id, at: now });
  }
  return { apiKeyId: row.id, name: row.name, scopes: row.scopes, storeIds: row.storeIds };
}

/**
 * A contract guard for machine operations: `auth: requireScope('catalog:write')`. Only an API key passes
 * (a user's access token or session cookie is refused with 401); a key without the scope gets 403.
 */
export function requireScope(scope: ApiKeyScope): Guard<ApiKeyPrincipal> {
  return {
    security: [{ apiKeyAuth: [scope] }],
    async authenticate(request) {
      const authorization = request.headers.get('authorization');
      const [scheme, token, extra] = authorization?.split(' ') ?? [];
      if (scheme?.toLowerCase() !== 'bearer' || !token || extra !== undefined) {
        throw new DomainError(
          'unauthorized',
          'This operation needs an API key: `Authorization: Bearer <key>`.',
          {
            code: 'invalid_token',
          },
        );
      }
      if (!token.startsWith(API_KEY_PREFIX)) {
        throw new DomainError(
          'unauthorized',
          'This operation accepts API keys only, not user tokens or sessions.',
          {
            code: 'invalid_token',
          },
        );
      }
      const principal = await authenticateApiKey(token);
      if (!principal.scopes.includes(scope)) {
        logger.warn('api key lacks scope', { apiKeyId: principal.apiKeyId, scope });
        throw forbidden(`The API key lacks the scope ${scope}.`);
      }
      return principal;
    },
  };
}

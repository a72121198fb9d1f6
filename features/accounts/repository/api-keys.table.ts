import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';

// API keys of machines (store scrapers, admin scripts). Only a SHA-256 of each key is stored (keys are 256-bit
// random, so a fast hash is enough); `key_prefix` is the non-secret start shown by `keys:list`. A catalogue
// key belongs to the stores it was created for.
export const apiKeys = pgTable('api_keys', {
  ...baseColumns(),
  name: text('name').notNull().unique('api_keys_name_unique'),
  keyHash: text('key_hash').notNull().unique('api_keys_key_hash_unique'),
  keyPrefix: text('key_prefix').notNull(),
  scopes: text('scopes').array().notNull(),
  /** The stores whose products the key may write and archive; null = every store (created with --all-stores). */
  storeIds: text('store_ids').array(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
});

export type ApiKeyRow = typeof apiKeys.$inferSelect;

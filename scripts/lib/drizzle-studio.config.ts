import { defineConfig } from 'drizzle-kit';
import { getConfig } from '@/features/core/config/config';
import baseConfig from '../../drizzle.config';

// drizzle-kit studio's connection, from the app's config (the only reader of the environment).
const { database } = getConfig();
export default defineConfig(
  database.driver === 'pglite'
    ? { ...baseConfig, dialect: 'postgresql', driver: 'pglite', dbCredentials: { url: database.dataDir } }
    : { ...baseConfig, dialect: 'postgresql', dbCredentials: { url: 'url' in database ? database.url : '' } },
);

// The API suite's database passes and the host serving each (kept free of imports: playwright.config.ts
// reads it). `own`: our production server (`npm start`, .next/stylipp-server/main.mjs); `next`: `next start`
// (the route.ts files). With Postgres available (always in CI) each host sees the whole suite.
export type Pass = 'pglite' | 'pg' | 'neon';
export type Host = 'own' | 'next';

export const PASS_HOSTS: Record<Pass, Host> = { pglite: 'own', pg: 'next', neon: 'own' };

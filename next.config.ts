import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native / wasm / driver packages stay in node_modules instead of the server bundle
  // (PGlite's wasm alone would add ~20 MB to the output).
  serverExternalPackages: ['@electric-sql/pglite', 'pg', '@neondatabase/serverless', 'ws', '@node-rs/argon2'],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;

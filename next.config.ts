import type { NextConfig } from 'next';
import { PHASE_DEVELOPMENT_SERVER } from 'next/constants';

// /docs (Swagger UI): Next's inline bootstrap scripts need script-src 'unsafe-inline' (a nonce would force
// dynamic rendering); Swagger UI sets inline styles and uses data: SVG icons; `next dev` also needs
// 'unsafe-eval' (React's dev tooling). Measured: each of these is required, nothing more is.
function docsCsp(dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export default function config(phase: string): NextConfig {
  const dev = phase === PHASE_DEVELOPMENT_SERVER;
  const securityHeaders = [
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'Referrer-Policy', value: 'no-referrer' },
    { key: 'X-Frame-Options', value: 'DENY' },
    // Production builds only (headers are fixed at build time); browsers ignore HSTS over plain http anyway.
    ...(!dev ? [{ key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' }] : []),
  ];
  return {
    // Native / wasm / driver packages stay in node_modules instead of the server bundle
    // (PGlite's wasm alone would add ~20 MB to the output).
    serverExternalPackages: [
      '@electric-sql/pglite',
      'pg',
      '@neondatabase/serverless',
      'ws',
      '@node-rs/argon2',
    ],
    poweredByHeader: false,
    reactStrictMode: true,
    async headers() {
      return [
        { source: '/:path*', headers: securityHeaders },
        {
          source: '/api/:path*',
          headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }],
        },
        { source: '/docs', headers: [{ key: 'Content-Security-Policy', value: docsCsp(dev) }] },
      ];
    },
  };
}

import type { NextConfig } from 'next';
import { PHASE_DEVELOPMENT_SERVER } from 'next/constants';
import { API_CONTENT_SECURITY_POLICY, securityHeaders } from './features/core/http/security-headers';

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
  // The kernel's values (features/core/http/security-headers.ts) for Next's own answers; /api responses get
  // the same from the kernel on every host. HSTS in production builds only (fixed at build time).
  const common = securityHeaders(!dev).map(([key, value]) => ({ key, value }));
  return {
    // Native / wasm / driver packages stay in node_modules instead of the server bundle
    // (PGlite's wasm alone would add ~20 MB to the output).
    serverExternalPackages: [
      '@electric-sql/pglite',
      'pg',
      '@neondatabase/serverless',
      'ws',
      '@node-rs/argon2',
      'nodemailer',
      // Loaded only when tracing is on (features/core/tracing); one copy in the process for both bundles.
      '@opentelemetry/api',
      '@opentelemetry/sdk-trace',
      '@opentelemetry/core',
      '@opentelemetry/resources',
      '@opentelemetry/exporter-trace-otlp-http',
    ],
    poweredByHeader: false,
    reactStrictMode: true,
    async headers() {
      return [
        { source: '/:path*', headers: common },
        {
          source: '/api/:path*',
          headers: [{ key: 'Content-Security-Policy', value: API_CONTENT_SECURITY_POLICY }],
        },
        { source: '/docs', headers: [{ key: 'Content-Security-Policy', value: docsCsp(dev) }] },
      ];
    },
  };
}

# syntax=docker/dockerfile:1
# The Stylipp API as one image: our own server (`npm start`'s bundle), Next's build for /docs and next-auth,
# the compiled command-line entry points (migrate, keys, seed, learn, uploads-sweep) and production
# dependencies only. `scripts/image-check.ts` (CI) builds and runs exactly what the runtime stage copies,
# without a container runtime, as an unprivileged user against a fresh Postgres.
#
#   docker build -t stylipp-api .
#   docker run --rm -e DATABASE_URL=… stylipp-api node .next/stylipp-server/migrate.mjs   # once per release
#   docker run -p 8000:8000 -e DATABASE_URL=… -e AUTH_SECRET=… -e APP_URL=… stylipp-api
# compose.yaml wires Postgres, MinIO and the one-shot migration before the API.

ARG NODE_IMAGE=node:24-slim

# Production dependencies only, from the lockfile. The `node` package (Node 24 for npm scripts on older
# machines) comes along; the image runs the base image's own Node 24.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The build: every dependency, then `next build` and our server's bundle. No database is needed to build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:bundle && rm -rf .next/cache

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# HOST=0.0.0.0: inside a container the published port reaches the process through the container's own
# interface, not loopback. DATA_DIR holds only the temp directory of requests in flight (uploads go to S3 or a
# mounted UPLOADS_DIR; the database is Postgres), so it is the one writable path.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    MALLOC_ARENA_MAX=2 \
    DATA_DIR=/var/lib/stylipp \
    NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/.next ./.next
COPY --from=build /app/drizzle ./drizzle
COPY --from=build /app/package.json /app/next.config.ts /app/tsconfig.json ./
COPY --from=build /app/features/core/http/security-headers.ts ./features/core/http/security-headers.ts
RUN mkdir -p /var/lib/stylipp && chown node:node /var/lib/stylipp
# The base image's unprivileged user; the application files stay root-owned and read-only to it.
USER node
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, node itself as PID 1's only process: SIGTERM from the runtime reaches the server, which drains.
CMD ["node", "--max-semi-space-size=16", ".next/stylipp-server/main.mjs"]

# One image, two apps: the command picks (docker-compose.yml, deploy/kubernetes/):
#   node dist/apps/api/main.js          (the default)
#   node dist/apps/dispatcher/main.js
# Proven without Docker by test/image.e2e-spec.ts, which runs these stages from exactly what
# they copy. Size: see docs/operations.md, "The image".

# Build: every dependency, the webpack bundles of both apps (webpack.config.js bundles the .lua
# scripts; without it the bundles cannot load them and both apps exit 1).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json webpack.config.js ./
COPY scripts/lua ./scripts/lua
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# Production dependencies only, installed apart so the build's dev dependencies never reach the image.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
# tini as PID 1: passes SIGTERM to node (which drains: docs/operations.md, "Stopping") and reaps zombies.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY scripts/healthcheck.js ./scripts/
# The image's own user (uid 1000), never root; nothing is written to the filesystem at run time.
USER node
EXPOSE 8181 8182
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "scripts/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/api/main.js"]

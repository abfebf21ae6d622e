# syntax=docker/dockerfile:1
# One image for the API, the worker and the migration: docker-compose.yml picks the process
# with `command`. The processes run TypeScript with tsx, so there is no build stage.
FROM node:20-bookworm-slim

# Node 20 ships npm 10, which ignores package.json's allowScripts and would run every
# dependency's install scripts; npm 11 runs only the ones allowed there. Pinned to the
# npm release the project is developed with (npm 11.19.1).
RUN npm install -g npm@11.19.1 && npm cache clean --force

ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    PATH=/app/node_modules/.bin:$PATH
WORKDIR /app

# Dependencies before sources, so that a source change reuses the installed layer.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# `prisma generate` never uses the schema engine but refuses to start without one, and the
# engine's download is not wanted in the image: any executable satisfies the check.
COPY prisma.config.ts ./
COPY prisma/schema ./prisma/schema
RUN PRISMA_SCHEMA_ENGINE_BINARY=/usr/local/bin/node npx prisma generate

# .dockerignore keeps the host's node_modules and prisma/generated out of this copy.
COPY . .

# Sources stay owned by root: the application only reads them.
USER node
EXPOSE 4000
# tsx itself, not `npx tsx`: npx does not pass SIGTERM on, so `docker stop` would kill
# the process without its graceful shutdown.
CMD ["tsx", "--max-semi-space-size=64", "api/main.ts"]

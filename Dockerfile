# adsm replica image: build the TypeScript once, ship only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# Listens on every interface, so ADMIN_TOKEN must be given at run time (`docker run -e
# ADMIN_TOKEN=…`, or compose's `.env`): without it the server refuses to start. Embedded mode
# keeps its SQLite file in the /data volume, writable by the unprivileged `node` user; /app
# stays root-owned and read-only to it.
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# /readyz on METRICS_PORT where it is set (PORT then listens only once ready), else on PORT.
HEALTHCHECK --interval=5s --timeout=2s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||process.env.PORT)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]

# phone-agent: one image for `phone-agent serve` and `phone-agent engine` (compose.yaml runs both).
# Build: docker build -t phone-agent .

# ---- build: dependencies (native addons compiled here) and the TypeScript build ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# onnxruntime-node's install step would fetch a GPU provider; its CPU build ships in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.web.json ./
COPY bin bin
COPY src src
RUN node node_modules/typescript/bin/tsc -p tsconfig.json \
 && node node_modules/typescript/bin/tsc -p tsconfig.web.json \
 && npm prune --omit=dev --no-audit --no-fund

# ---- run: Node, the engine's Debian packages, the build; no compiler, not root ----
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends flite pocketsphinx pocketsphinx-en-us libpocketsphinx3 libsphinxbase3 tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY config config
# The dashboard's page files are read from the source tree at run time (src/web/dashboard.ts).
COPY src/web/public src/web/public
# SQLite records and WAV recordings, when used, go to /data (PostgreSQL via DATABASE_URL needs none).
RUN mkdir /data && chown node:node /data
USER node
ENV NODE_ENV=production HOST=0.0.0.0 PORT=5000 DATABASE_URL=/data/phone-agent.db
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||5000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tini forwards SIGTERM to Node (which drains its calls) and reaps the engine's flite processes.
ENTRYPOINT ["tini", "--", "node", "bin/phone-agent"]
CMD ["serve"]

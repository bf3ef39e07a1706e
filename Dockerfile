# syntax=docker/dockerfile:1
# llm-gateway container image: one self-contained executable (`bun build --compile`) on a distroless
# base, running as the distroless "nonroot" user (uid/gid 65532).
#
#   docker build -t llm-gateway:0.1.0 .
#   docker run --rm -p 8000:8000 --read-only --tmpfs /tmp --tmpfs /data:uid=65532 llm-gateway:0.1.0
#
# Not built in this repository's CI: its machines have no container engine. The Helm chart
# (chart/) and scripts/check-chart.sh are what CI checks; keep this file in step with them
# (port 8000, uid 65532, binary at /app/llm-gateway, data in /data, config in /etc/llm-gateway).
#
# Health checks: the runtime image has no shell, curl or wget, so a Dockerfile HEALTHCHECK
# cannot run. Use the orchestrator's HTTP probes instead: liveness GET /health (200 while the
# process serves), readiness GET /ready (503 while the quota store is unreachable), as the chart
# does. Under plain Docker/Compose, probe from outside (e.g. a sidecar curl) or rely on restart
# policies.

ARG BUN_VERSION=1.4.5

# --- build: install exact dependencies, compile to dist/llm-gateway ---------------------------
FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /src
# Dependencies first, so source edits reuse this layer.
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile
COPY tsconfig.json ./
COPY src ./src
# `bun run build` = bun build src/main.ts src/server/token-count-worker.ts --compile --minify ... (the worker thread of count_tokens is an entry point of its own)
RUN bun run build \
 && ./dist/llm-gateway check-config \
 && mkdir -p /out/data \
 && cp dist/llm-gateway /out/llm-gateway

# --- runtime: glibc only (ldd of the compiled binary lists libc, libpthread, libdl, libm), plus
# CA certificates and tzdata for quota.timezone. cc-debian12 would add libstdc++, which the binary
# does not need.
FROM gcr.io/distroless/base-debian12:nonroot
LABEL org.opencontainers.image.title="llm-gateway" \
      org.opencontainers.image.description="LLM gateway: API keys or Keycloak JWTs, per-tier quotas, model routing, Anthropic/OpenAI translation"
WORKDIR /app
COPY --from=build --chown=0:0 --chmod=0555 /out/llm-gateway /app/llm-gateway
# The embedded SQLite store; mount a volume (the chart mounts an emptyDir) when the root
# filesystem is read-only.
COPY --from=build --chown=65532:65532 /out/data /data
ENV PORT=8000 \
    HOST=0.0.0.0 \
    GATEWAY_DATA_DIR=/data
USER 65532:65532
EXPOSE 8000
# Exec form: there is no shell to interpret a string. SIGTERM reaches the gateway directly and
# starts its drain (server.drain_timeout_s).
ENTRYPOINT ["/app/llm-gateway"]
CMD ["serve"]

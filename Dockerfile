# syntax=docker/dockerfile:1
#
# alertdesk in a container: a static binary (the SQLite driver is
# modernc.org/sqlite, pure Go, so no cgo) on distroless/static, run as the
# image's non-root user. No shell is needed: the health check is the
# binary's own `alertdesk healthcheck`.
#
#   docker build -t alertdesk .
#   docker compose up        # PostgreSQL, Redis, mail catcher, API and worker (compose.yaml)

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so a change in the code does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG BUILD_TIME=""
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.buildTime=${BUILD_TIME}" \
      -o /out/alertdesk ./cmd/alertdesk
# The data folder (SQLite file, generated secret key, demo.json), owned by
# the non-root user; distroless has no shell to create it at run time.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/alertdesk /usr/local/bin/alertdesk
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV ALERTDESK_ADDR=:8080 \
    ALERTDESK_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=6s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/alertdesk", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/alertdesk"]
CMD ["serve"]

# syntax=docker/dockerfile:1
#
# poolguard's container image: a static binary on distroless/static (CA
# certificates, tzdata, /etc/passwd with the nonroot user, nothing else).
#
#   docker build --build-arg VERSION=v1.2.3 --build-arg REVISION=$(git rev-parse HEAD) -t poolguard .
#   docker run -v $PWD/poolguard.yaml:/etc/poolguard/poolguard.yaml:ro -p 8080:8080 poolguard
#
# The build reaches only the Go module proxy (go mod download).

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/poolguard/poolguard/internal/ops/buildinfo.version=${VERSION} -X github.com/poolguard/poolguard/internal/ops/buildinfo.revision=${REVISION}" \
      -o /out/poolguard ./cmd/poolguard \
 && mkdir -p /out/var/lib/poolguard

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="poolguard" \
      org.opencontainers.image.description="Self-hosted proxy in front of Amazon Cognito user pools: secret hashes, an AWS WAFv2 web ACL, rate limits, WAF-format logs" \
      org.opencontainers.image.source="https://github.com/poolguard/poolguard" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /out/poolguard /poolguard
# State (IP set changes, the S3 log spool, ACME certificates): mount a
# volume here; it starts owned by the nonroot user.
COPY --from=build --chown=65532:65532 /out/var/lib/poolguard /var/lib/poolguard
USER 65532:65532
# 8080: the public listener; 9090: admin (/healthz, /metrics), keep it private.
EXPOSE 8080 9090
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/poolguard", "health", "--admin", "127.0.0.1:9090"]
ENTRYPOINT ["/poolguard"]
CMD ["serve", "--config", "/etc/poolguard/poolguard.yaml"]

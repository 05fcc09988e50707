#!/usr/bin/env bash
# Validates .goreleaser.yaml with goreleaser's own checker, at a pinned
# version taken from the Go module proxy (no binary download).
set -euo pipefail
cd "$(dirname "$0")/.."
GORELEASER_VERSION=v2.17.0
exec go run "github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}" check .goreleaser.yaml

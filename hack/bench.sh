#!/usr/bin/env bash
# hack/bench.sh [-runs N]: build examples/sklearn through `build` and through the rendered
# Dockerfile on the same engine, for each scenario, and write the table to docs/benchmarks.md.
# Cold runs prune the engine's cache: do not run it beside other builds you care about.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(hack/engine.sh up)"
go run ./bench -out docs/benchmarks-latest.md "$@"

#!/usr/bin/env bash
# hack/bench.sh [-runs N] [-paths ...] [-example DIR]: build examples/sklearn through `build`
# (layered and sequential layouts) and through the rendered Dockerfile on the same engine, for
# each scenario (flags: go run ./bench -h); prints the tables and writes them to
# bench/results/latest.md (docs/benchmarks.md holds the recorded one, with its reading).
# Cold runs empty the engine's cache (the offline engine is restarted on an empty state): do
# not run it beside other builds you care about.
set -euo pipefail
cd "$(dirname "$0")/.."
engine_env=$(hack/engine.sh up) || { echo "hack: no Dagger engine could be provisioned or reached (see above)" >&2; exit 1; }
eval "$engine_env"
mkdir -p bench/results
go run ./bench -out bench/results/latest.md "$@"

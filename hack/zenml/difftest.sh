#!/usr/bin/env bash
# Differential test against ZenML itself: ZenML's own code writes the Dockerfiles (or refuses)
# for the corpus of real configurations and every example, then the zenmldiff test compares
# stepimage's renderings with them, instruction by instruction.
#
#   hack/zenml/difftest.sh                 # corpus + examples
#   hack/zenml/difftest.sh CONFIG...       # only these configurations
#
# Needs python3.11 and access to the package index the first time (generate.sh makes the ZenML
# venv in a cache directory and reuses it). STEPIMAGE_ZENML_DOCKERFILES, when set, is where
# ZenML's JSON is written (kept for inspection); otherwise a temporary file.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
venv=$(hack/zenml/generate.sh venv)

if [ $# -gt 0 ]; then
	configs=("$@")
else
	shopt -s nullglob
	configs=(zenmldiff/testdata/corpus/*.yaml examples/*/settings*.yaml examples/zenml-configs/*.yaml)
fi

out=${STEPIMAGE_ZENML_DOCKERFILES:-}
if [ -z "$out" ]; then
	out=$(mktemp "${TMPDIR:-/tmp}/zenml-dockerfiles.XXXXXX.json")
	trap 'rm -f "$out"' EXIT
fi
echo "difftest.sh: ZenML renders ${#configs[@]} configurations" >&2
"$venv/bin/python" hack/zenml/dockerfiles.py "${configs[@]}" >"$out"
# -v: the per-image verdicts and the figure are printed by a passing run too.
STEPIMAGE_ZENML_DOCKERFILES=$out go test -count=1 -v -tags zenml -run TestZenMLDockerfiles ./zenmldiff/

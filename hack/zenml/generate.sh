#!/usr/bin/env bash
# Regenerates plan/integrations_gen.go from ZenML's own integration registry (go generate ./plan
# runs this). The ZenML venv lives in a cache directory and is reused; `generate.sh venv` only
# makes sure it exists and prints its path (hack/zenml/difftest.sh uses it).
#
#   ZENML_VERSION   ZenML release to read (default 0.98.0)
#   PYTHON          interpreter for the venv (default python3.11: the catalogue depends on it)
set -euo pipefail

ZENML_VERSION=${ZENML_VERSION:-0.98.0}
# The same uv as stepimage pins: ZenML runs `uv export` on the client for pyproject_path.
UV_VERSION=${UV_VERSION:-0.13.9}
PYTHON=${PYTHON:-python3.11}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=${STEPIMAGE_ZENML_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/stepimage/zenml-$ZENML_VERSION}

ensure_venv() {
	if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "
import sys, zenml
sys.exit(zenml.__version__ != '$ZENML_VERSION')" 2>/dev/null; then
		if [ "$("$venv/bin/uv" --version 2>/dev/null)" != "uv $UV_VERSION" ]; then
			"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
		fi
		return
	fi
	echo "generate.sh: creating $venv (zenml==$ZENML_VERSION, uv==$UV_VERSION)" >&2
	rm -rf "$venv"
	mkdir -p "$(dirname "$venv")"
	"$PYTHON" -m venv "$venv"
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
		"zenml==$ZENML_VERSION" "uv==$UV_VERSION"
}

ensure_venv
if [ "${1:-}" = venv ]; then
	echo "$venv"
	exit 0
fi

out=$root/plan/integrations_gen.go
# Outside the tree: a concurrent `git add` must never pick up a half-written file.
tmp=$(mktemp "${TMPDIR:-/tmp}/integrations_gen.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$venv/bin/python" "$root/hack/zenml/catalogue.py" --go "$tmp"
gofmt -l "$tmp" >/dev/null # syntax check before replacing the committed file
gofmt "$tmp" >"$out"
echo "generate.sh: wrote ${out#"$root"/} from zenml==$ZENML_VERSION" >&2

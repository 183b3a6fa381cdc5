#!/usr/bin/env bash
# hack/example.sh: build the bundled scikit-learn example's `train` step image and run the
# step inside it, the way users call the module.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
engine_env=$(hack/engine.sh up) || { echo "hack: no Dagger engine could be provisioned or reached (see above)" >&2; exit 1; }
eval "$engine_env"
cd examples/sklearn
# --silent: only the results (errors still print). Drop it to watch the layers build.
echo "== dagger call validate"
bounded 10m dagger --silent call -m ../.. validate --config=settings.yaml --source=.
echo "== dagger call build --step=train, then the step inside the image"
bounded 30m dagger --silent call -m ../.. build --config=settings.yaml --source=. --step=train \
	with-exec --args=python,-m,pipeline.train stdout

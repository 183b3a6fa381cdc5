#!/usr/bin/env bash
# hack/test.sh [all|unit|integration]: the project's test command (CI runs exactly this).
#   unit:        gofmt, go vet, go test ./... (engine-free packages; no engine needed)
#   integration: provisions the engine and registry, then builds real images through
#                `dagger call -m .` and asserts from inside them; fails when no engine comes up.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}

unit() {
	echo "== unit: gofmt, go vet, go test"
	unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '^internal/' | grep -v '^dagger.gen.go$'))
	[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted"; exit 1; }
	go vet ./...
	go vet -tags integration ./integration/
	(cd tests && go vet ./...)
	go test -count=1 ./...
}

integration() {
	echo "== integration: engine"
	eval "$(hack/engine.sh up)"
	dagger core version
	echo "== integration: go test -tags integration ./integration/"
	local log status=0
	log=$(mktemp)
	go test -tags integration -count=1 -v -parallel 4 -timeout 50m ./integration/ 2>&1 | tee "$log" || status=$?
	local passed failed
	passed=$(grep -c '^--- PASS' "$log" || true)
	failed=$(grep -c '^--- FAIL' "$log" || true)
	echo "== integration: dagger call -m tests all (the Dagger-native test module)"
	local module_status=0
	dagger call -m tests all 2>"$log.module" || { module_status=$?; tail -40 "$log.module"; }
	echo "integration: ${passed} passed, ${failed} failed"
	[ "$status" = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ] && [ "$module_status" = 0 ]
}

case "$what" in
all) unit && integration ;;
unit) unit ;;
integration) integration ;;
*) echo "usage: $0 [all|unit|integration]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# hack/test.sh [all|unit|integration]: the project's test command (CI runs exactly this).
#   unit:        gofmt, go vet, go test ./... (engine-free packages; no engine needed)
#   zenml:       the differential test against ZenML 0.98.0 itself (hack/zenml/difftest.sh:
#                a venv with zenml from PyPI, ZenML's own compiler and Dockerfile generator)
#   integration: provisions the engine and registry, then builds real images through
#                `dagger call -m .` and asserts from inside them; fails when no engine comes up.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
what=${1:-all}

unit() {
	echo "== unit: gofmt, go vet, go test"
	unformatted=$(gofmt -l $(git ls-files --cached --others --exclude-standard '*.go' | grep -Ev '^(tests/)?(internal/(dagger|querybuilder|telemetry)/|dagger\.gen\.go$)'))
	[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted"; exit 1; }
	go vet ./...
	go vet -tags integration ./integration/
	go vet -tags zenml ./zenmldiff/
	(cd tests && go vet ./...)
	# The generated client reads these when a package that imports it loads; the unit tests
	# never talk to an engine, so any values do. Set for this command only: the dagger CLI
	# takes them as "inside a session" and would not reach the engine afterwards.
	DAGGER_SESSION_PORT=1 DAGGER_SESSION_TOKEN=unit-tests go test -count=1 ./...
}

zenml() {
	echo "== zenml: dockerfile and validate against ZenML's own code"
	hack/zenml/difftest.sh
}

integration() {
	echo "== integration: engine"
	engine_env=$(hack/engine.sh up) || { echo "hack: no Dagger engine could be provisioned or reached (see above)" >&2; exit 1; }
	eval "$engine_env"
	bounded 2m dagger core version
	echo "== integration: go test -tags integration ./integration/"
	local log status=0
	log=$(mktemp)
	go test -tags integration -count=1 -v -parallel 4 -timeout 50m ./integration/ 2>&1 | tee "$log" || status=$?
	local passed failed
	passed=$(grep -c '^--- PASS' "$log" || true)
	failed=$(grep -c '^--- FAIL' "$log" || true)
	echo "== integration: dagger call -m tests all (the Dagger-native test module)"
	local module_status=0 module_out
	module_out=$(mktemp)
	bounded 40m dagger call -m tests all >"$module_out" 2>"$module_out.log" || { module_status=$?; tail -40 "$module_out.log"; }
	cat "$module_out"
	echo
	# The module's report ends with "N passed, M failed": add it to the Go tests' counts.
	local summary module_passed=0 module_failed=0
	summary=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$module_out" "$module_out.log" | tail -1 | cut -d: -f2-)
	if [ -n "$summary" ]; then
		module_passed=$(echo "$summary" | awk '{print $1}')
		module_failed=$(echo "$summary" | awk '{print $3}')
	elif [ "$module_status" != 0 ]; then
		module_failed=1
	fi
	echo "go integration tests: ${passed} passed, ${failed} failed; test module: ${module_passed} passed, ${module_failed} failed"
	total_passed=$((passed + module_passed)) total_failed=$((failed + module_failed))
	echo "integration: $total_passed passed, $total_failed failed"
	[ "$status" = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ] && [ "$module_status" = 0 ] && [ "$module_failed" = 0 ]
}

case "$what" in
all)
	unit
	zenml_status=0
	zenml || zenml_status=$?
	integration_status=0
	integration || integration_status=$?
	# One closing line over the differential test and the integration tests.
	if [ "$zenml_status" = 0 ]; then total_passed=$((${total_passed:-0} + 1)); else total_failed=$((${total_failed:-0} + 1)); fi
	echo "all: ${total_passed:-0} passed, ${total_failed:-1} failed"
	[ "$zenml_status" = 0 ] && [ "$integration_status" = 0 ]
	;;
unit) unit ;;
zenml) zenml ;;
integration) integration ;;
*) echo "usage: $0 [all|unit|zenml|integration]" >&2; exit 2 ;;
esac

# hack/lib.sh: shared by the hack scripts (source it).

# bounded LIMIT COMMAND...: runs COMMAND, killing it after LIMIT (a `timeout` duration). A
# `dagger call` whose engine dies mid-build can wait silently for many minutes (the CLI's
# behaviour); a bound turns that into an error that says why.
bounded() {
	local limit=$1 status=0
	shift
	timeout --kill-after=30s "$limit" "$@" || status=$?
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		printf 'hack: %s did not finish within %s: the engine may have died or stopped answering (check it with `dagger core version`; the offline engine logs to /opt/dagger-offline/logs/engine.log)\n' "$1" "$limit" >&2
	fi
	return "$status"
}

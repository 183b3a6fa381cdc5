# Every target provisions (or reuses) a Dagger engine first: see hack/engine.sh.
.PHONY: example test unit integration bench engine engine-stop

example:
	hack/example.sh

test:
	hack/test.sh

unit:
	hack/test.sh unit

integration:
	hack/test.sh integration

bench:
	hack/bench.sh

engine:
	hack/engine.sh up

engine-stop:
	hack/engine.sh stop

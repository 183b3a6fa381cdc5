#!/usr/bin/env bash
# hack/engine.sh: make a Dagger v0.19.7 engine reachable for stepimage, with or without Docker.
#
#   hack/engine.sh [up]    reuse a reachable engine, else provision and start the offline one
#   hack/engine.sh env     print the exports that point clients at the engine (eval "$(...)")
#   hack/engine.sh stop    stop the offline engine and registry this script started
#   hack/engine.sh reset   restart the offline engine with an empty cache (cold benchmarks)
#
# Order of preference:
#   1. _EXPERIMENTAL_DAGGER_RUNNER_HOST already set and answering (a remote or CI-provided engine);
#   2. a `dagger` CLI with a working Docker (the CLI starts its own engine container);
#   3. the offline engine: built from Go source (Go module proxy) and run on the host, with a
#      local registry on localhost:5000 that mirrors Docker Hub names and holds Debian-based
#      base images (debian:bookworm, python:3.11-slim) made with debootstrap. This is for
#      locked-down runners with no Docker and no Docker Hub. Root is needed.
#
# Cold provisioning takes about 7 minutes on 2 cores (mostly `go build` of the engine) and
# 6 GB of disk under PREFIX; with everything in place it takes about 20 seconds.
# Environment: PREFIX (default /opt/dagger-offline), REGISTRY (localhost:5000),
# DEBIAN_MIRROR (apt's own mirror), DAGGER_VERSION (v0.19.7).
set -euo pipefail

PREFIX=${PREFIX:-/opt/dagger-offline}
DAGGER_VERSION=${DAGGER_VERSION:-v0.19.7}
CRANE_VERSION=${CRANE_VERSION:-v0.20.6}
REGISTRY=${REGISTRY:-localhost:5000}
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
BIN=$PREFIX/bin
SOCK=$PREFIX/run/engine.sock
LOGS=$PREFIX/logs
IMAGES=$PREFIX/images
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# print_env prints the exports for clients. Only the offline engine needs pointing at; an engine
# reused from the environment or from Docker is already what the CLI finds.
print_env() {
	if [ -S "$SOCK" ] && [ "${MODE:-offline}" = offline ]; then
		echo "export _EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://$SOCK"
		echo "export _EXPERIMENTAL_DAGGER_CLI_BIN=$BIN/dagger"
		echo "export PATH=$BIN:\$PATH"
	fi
	echo "export DAGGER_NO_NAG=1 DO_NOT_TRACK=1"
	echo "export STEPIMAGE_REGISTRY=${STEPIMAGE_REGISTRY:-$REGISTRY}"
}

answers() { # answers CLI: the engine behind the current environment replies
	timeout 60 "$1" core version >/dev/null 2>&1
}

stop_offline() {
	local pidfile pid
	for pidfile in "$PREFIX/run/engine.pid" "$PREFIX/run/registry.pid"; do
		if alive "$pidfile"; then
			pid=$(cat "$pidfile")
			kill -TERM "$pid"
			for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
			kill -KILL "$pid" 2>/dev/null || true
		fi
		rm -f "$pidfile"
	done
}

# --- offline provisioning, one idempotent function per piece -----------------------------------

install_host_packages() {
	local wanted="runc dnsmasq-base iptables containernetworking-plugins git openssh-client pigz
		xz-utils debootstrap ca-certificates util-linux iproute2 curl" missing="" pkg
	for pkg in $wanted; do dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"; done
	if [ -n "$missing" ]; then
		log "apt-get install$missing"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >"$LOGS/apt.log"
	fi
	sysctl -qw net.ipv4.ip_forward=1 || true
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || die "the kernel lacks overlayfs"
}

# The module proxy's zip of github.com/dagger/dagger lacks two nested modules its go.mod points
# at: the SDK (taken from the proxy at the same version) and engine/distconsts (written here,
# upstream's values with host paths moved under PREFIX so the engine runs outside a container).
fetch_engine_source() {
	local src=$PREFIX/src dir
	# (.lab-patched: the same source prepared by the workplace's engine recipe)
	[ -f "$src/.stepimage-patched" ] || [ -f "$src/.lab-patched" ] && return
	log "downloading github.com/dagger/dagger@$DAGGER_VERSION from the Go module proxy"
	dir=$(cd / && GOFLAGS=-mod=mod go mod download -json "github.com/dagger/dagger@$DAGGER_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$dir" ] || die "could not download github.com/dagger/dagger@$DAGGER_VERSION"
	rm -rf "$src" && cp -r "$dir" "$src" && chmod -R u+w "$src"
	sed -i "s#dagger.io/dagger => ./sdk/go#dagger.io/dagger => dagger.io/dagger $DAGGER_VERSION#" "$src/go.mod"
	mkdir -p "$src/engine/distconsts"
	printf 'module github.com/dagger/dagger/engine/distconsts\n\ngo 1.20\n' >"$src/engine/distconsts/go.mod"
	cat >"$src/engine/distconsts/consts.go" <<EOF
// Package distconsts replaces the nested module missing from the proxy's zip (see hack/engine.sh).
package distconsts

const (
	EngineContainerName   = "dagger-engine.dev"
	DefaultEngineSockAddr = "unix://$SOCK"
)

const (
	RuncPath       = "$BIN/runc"
	DaggerInitPath = "$BIN/dagger-init"

	EngineDefaultStateDir = "$PREFIX/state"

	EngineContainerBuiltinContentDir   = "$PREFIX/share/dagger/content"
	GoSDKManifestDigestEnvName         = "DAGGER_GO_SDK_MANIFEST_DIGEST"
	PythonSDKManifestDigestEnvName     = "DAGGER_PYTHON_SDK_MANIFEST_DIGEST"
	TypescriptSDKManifestDigestEnvName = "DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST"
)

const (
	AlpineVersion  = "3.22.1"
	AlpineImage    = "alpine:" + AlpineVersion
	GolangVersion  = "1.25.3"
	GolangImage    = "golang:" + GolangVersion + "-alpine"
	BusyboxVersion = "1.37.0"
	BusyboxImage   = "busybox:" + BusyboxVersion
)

const OCIVersionAnnotation = "org.opencontainers.image.version"

const EngineCustomCACertsDir = "/usr/local/share/ca-certificates"
EOF
	touch "$src/.stepimage-patched"
}

build_binaries() {
	local src=$PREFIX/src ldflags cmd out
	ldflags="-s -w -X github.com/dagger/dagger/engine.Version=$DAGGER_VERSION -X github.com/dagger/dagger/engine.Tag=$DAGGER_VERSION"
	for cmd in engine:dagger-engine dagger:dagger init:dagger-init dnsname:dnsname codegen:codegen; do
		out=${cmd#*:}
		[ -x "$BIN/$out" ] && continue
		[ "$out" = dagger-engine ] && log "go build dagger-engine (about 3 minutes cold)"
		(cd "$src" && go build -trimpath -ldflags "$ldflags" -o "$BIN/$out.tmp" "./cmd/${cmd%%:*}")
		mv "$BIN/$out.tmp" "$BIN/$out"
	done
	[ -x "$BIN/crane" ] || GOBIN=$BIN go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
}

write_engine_config() {
	ln -sfn "$(dpkg -L runc | grep -m1 '/s\?bin/runc$')" "$BIN/runc"
	mkdir -p "$PREFIX/cni-bin"
	for plugin in /usr/lib/cni/*; do ln -sfn "$plugin" "$PREFIX/cni-bin/$(basename "$plugin")"; done
	cp -f "$BIN/dnsname" "$PREFIX/cni-bin/dnsname"
	cat >"$PREFIX/etc/engine.toml" <<EOF
root = "$PREFIX/state"
insecure-entitlements = ["security.insecure", "network.host"]

[worker.oci]
  enabled = true
  binary = "$BIN/runc"
  snapshotter = "overlayfs"
  cniBinaryPath = "$PREFIX/cni-bin"
  cniPoolSize = 4

[worker.containerd]
  enabled = false

# Docker Hub names resolve from the local registry.
[registry."docker.io"]
  mirrors = ["$REGISTRY"]

[registry."$REGISTRY"]
  http = true
  insecure = true

[registry."$REGISTRY_ADDR"]
  http = true
  insecure = true
EOF
}

start_registry() {
	curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && return
	log "starting the local registry on $REGISTRY_ADDR"
	mkdir -p "$PREFIX/registry-blobs"
	# crane's registry keeps manifests in memory: base images are pushed again after a restart.
	setsid "$BIN/crane" registry serve --address "$REGISTRY_ADDR" --disk "$PREFIX/registry-blobs" \
		>>"$LOGS/registry.log" 2>&1 </dev/null &
	echo $! >"$PREFIX/run/registry.pid"
	for _ in $(seq 40); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && return; sleep 0.25; done
	die "the registry did not start (see $LOGS/registry.log)"
}

apt_mirror() {
	local mirror=""
	[ -f /etc/apt/sources.list.d/debian.sources ] && mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
	[ -n "$mirror" ] || mirror=$(awk '$1=="deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
	echo "${DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}"
}

chroot_install() { # chroot_install ROOTFS PACKAGE...
	local root=$1; shift
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc"
	local status=0
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$LOGS/chroot.log" 2>&1 || status=$?
	chroot "$root" sh -c 'apt-get clean; rm -rf /var/lib/apt/lists/*'
	umount "$root/proc"
	: >"$root/etc/resolv.conf"
	return $status
}

make_rootfs() {
	if [ ! -f "$IMAGES/debian.done" ]; then
		log "debootstrap bookworm (about 1 minute)"
		rm -rf "$IMAGES/debian"
		debootstrap --variant=minbase bookworm "$IMAGES/debian" "$(apt_mirror)" >"$LOGS/debootstrap.log" 2>&1 ||
			die "debootstrap failed (see $LOGS/debootstrap.log)"
		rm -f "$IMAGES"/debian/var/cache/apt/archives/*.deb "$IMAGES"/debian/var/cache/apt/*.bin
		: >"$IMAGES/debian/etc/resolv.conf"
		touch "$IMAGES/debian.done"
	fi
	if [ ! -f "$IMAGES/python.v2.done" ]; then
		# Stands in for Docker Hub's python:3.11-slim: Debian's Python 3.11 with pip and venv,
		# a `python` command, and no EXTERNALLY-MANAGED marker (the Hub image has none).
		rm -rf "$IMAGES/python" && cp -a "$IMAGES/debian" "$IMAGES/python"
		chroot_install "$IMAGES/python" python3 python3-venv python3-pip python-is-python3 ca-certificates
		rm -f "$IMAGES"/python/usr/lib/python3*/EXTERNALLY-MANAGED
		touch "$IMAGES/python.v2.done"
	fi
	if [ ! -f "$IMAGES/gosdk.done" ]; then
		# The runtime image `dagger call` uses for Go modules: Go, git and codegen.
		rm -rf "$IMAGES/gosdk" && cp -a "$IMAGES/debian" "$IMAGES/gosdk"
		chroot_install "$IMAGES/gosdk" git ca-certificates openssh-client
		cp -a "$(go env GOROOT)" "$IMAGES/gosdk/usr/local/go"
		mkdir -p "$IMAGES/gosdk/go/pkg/mod" "$IMAGES/gosdk/go/bin" "$IMAGES/gosdk/root/.cache/go-build"
		touch "$IMAGES/gosdk.done"
	fi
	cmp -s "$BIN/codegen" "$IMAGES/gosdk/usr/local/bin/codegen" || install -m 0755 "$BIN/codegen" "$IMAGES/gosdk/usr/local/bin/codegen"
}

push_rootfs() { # push_rootfs ROOTFS REF [crane mutate flags...]: pushes when missing or stale
	local dir=$1 ref=$2; shift 2
	local tarball=$IMAGES/$(basename "$dir").tar
	if [ -f "$tarball" ] && [ -z "$(find "$dir".*done "$dir/usr/local/bin/codegen" -newer "$tarball" 2>/dev/null)" ]; then
		"$BIN/crane" digest --insecure "$REGISTRY/$ref" >/dev/null 2>&1 && return
	else
		tar -C "$dir" --numeric-owner -cf "$tarball" .
	fi
	"$BIN/crane" append --insecure -f "$tarball" -t "$REGISTRY/$ref-rootfs" >/dev/null
	"$BIN/crane" mutate --insecure "$REGISTRY/$ref-rootfs" --set-platform linux/amd64 "$@" -t "$REGISTRY/$ref" >/dev/null
	log "pushed $REGISTRY/$ref"
}

push_base_images() {
	push_rootfs "$IMAGES/debian" debian:bookworm --env "PATH=$STD_PATH" --cmd bash
	push_rootfs "$IMAGES/python" python:3.11-slim --env "PATH=$STD_PATH" --cmd python3
	"$BIN/crane" copy --insecure "$REGISTRY/debian:bookworm" "$REGISTRY/library/debian:bookworm" 2>/dev/null
	"$BIN/crane" copy --insecure "$REGISTRY/python:3.11-slim" "$REGISTRY/library/python:3.11-slim" 2>/dev/null
	push_rootfs "$IMAGES/gosdk" "dagger/go-sdk:$DAGGER_VERSION" \
		--env "PATH=/go/bin:/usr/local/go/bin:$STD_PATH" --env GOPATH=/go --env GOTOOLCHAIN=auto --workdir /go
}

# The engine loads the Go SDK runtime from its builtin content store by digest.
install_go_sdk_content() {
	local content=$PREFIX/share/dagger/content want
	want=$("$BIN/crane" digest --insecure "$REGISTRY/dagger/go-sdk:$DAGGER_VERSION")
	[ "$(cat "$content/gosdk.digest" 2>/dev/null)" = "$want" ] && return
	rm -rf "$IMAGES/gosdk-oci"
	"$BIN/crane" pull --insecure --format=oci "$REGISTRY/dagger/go-sdk:$DAGGER_VERSION" "$IMAGES/gosdk-oci"
	mkdir -p "$content/blobs/sha256"
	cp -f "$IMAGES"/gosdk-oci/blobs/sha256/* "$content/blobs/sha256/"
	echo "$want" >"$content/gosdk.digest"
	stop_engine_only
}

stop_engine_only() {
	alive "$PREFIX/run/engine.pid" || return 0
	local pid; pid=$(cat "$PREFIX/run/engine.pid")
	kill -TERM "$pid"
	for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
}

start_engine() {
	alive "$PREFIX/run/engine.pid" && return
	rm -f "$SOCK"
	local gpu_env=()
	# GPU passthrough needs the NVIDIA container toolkit's hook on the host.
	if [ -x /usr/bin/nvidia-container-runtime-hook ] && command -v nvidia-smi >/dev/null; then
		gpu_env=(_EXPERIMENTAL_DAGGER_GPU_SUPPORT=1)
		log "NVIDIA toolkit found: GPU support enabled"
	fi
	log "starting the engine"
	# A private mount namespace: the engine bind-mounts its own resolv.conf over /etc/resolv.conf.
	env "${gpu_env[@]}" DAGGER_GO_SDK_MANIFEST_DIGEST="$(cat "$PREFIX/share/dagger/content/gosdk.digest")" \
		GOPROXY="${GOPROXY:-$(go env GOPROXY)}" \
		setsid unshare --mount --propagation private "$BIN/dagger-engine" --config "$PREFIX/etc/engine.toml" \
		>>"$LOGS/engine.log" 2>&1 </dev/null &
	echo $! >"$PREFIX/run/engine.pid"
	for _ in $(seq 120); do [ -S "$SOCK" ] && break; sleep 0.5; done
	[ -S "$SOCK" ] || { tail -20 "$LOGS/engine.log" >&2; die "the engine did not come up"; }
}

provision_offline() {
	[ "$(id -u)" = 0 ] || die "the offline engine needs root (namespaces, overlayfs, iptables)"
	command -v go >/dev/null || die "go is needed to build the offline engine (Go >= 1.24)"
	mkdir -p "$BIN" "$PREFIX"/{run,logs,state,etc,images,share/dagger/content}
	export PATH=$BIN:$PATH CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
	# The proxy serves github.com/dagger/dagger but its checksum database has no entry for it.
	export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/dagger/dagger
	install_host_packages
	fetch_engine_source
	build_binaries
	write_engine_config
	start_registry
	make_rootfs
	push_base_images
	install_go_sdk_content
	start_engine
	export _EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://$SOCK _EXPERIMENTAL_DAGGER_CLI_BIN=$BIN/dagger
	for _ in $(seq 30); do answers "$BIN/dagger" && return; sleep 1; done
	die "the engine started but does not answer (see $LOGS/engine.log)"
}

up() {
	export DAGGER_NO_NAG=1 DO_NOT_TRACK=1
	if [ -n "${_EXPERIMENTAL_DAGGER_RUNNER_HOST:-}" ] && [ "${_EXPERIMENTAL_DAGGER_RUNNER_HOST}" != "unix://$SOCK" ]; then
		answers "${_EXPERIMENTAL_DAGGER_CLI_BIN:-dagger}" || die "_EXPERIMENTAL_DAGGER_RUNNER_HOST=$_EXPERIMENTAL_DAGGER_RUNNER_HOST does not answer"
		log "using the engine at $_EXPERIMENTAL_DAGGER_RUNNER_HOST"
		MODE=reused
		return
	fi
	if [ ! -S "$SOCK" ] && command -v dagger >/dev/null && command -v docker >/dev/null && docker info >/dev/null 2>&1; then
		answers dagger && { log "using dagger's own engine (Docker)"; MODE=reused; return; }
	fi
	local started=$SECONDS
	provision_offline
	log "offline engine ready in $((SECONDS - started))s: unix://$SOCK, registry $REGISTRY"
}

case "${1:-up}" in
up) up && print_env ;;
env) print_env ;;
stop) stop_offline ;;
reset)
	# Cache volumes and the function cache are not all "releasable" to a prune: only an empty
	# state directory makes a build truly cold.
	[ -S "$SOCK" ] || die "no offline engine to reset"
	stop_engine_only
	rm -rf "$PREFIX/state"
	mkdir -p "$PREFIX/state"
	up >/dev/null && print_env
	;;
*) die "usage: $0 [up|env|stop|reset]" ;;
esac

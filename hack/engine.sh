#!/usr/bin/env bash
# hack/engine.sh: make a Dagger v0.19.7 engine reachable for stepimage, with or without Docker.
#
#   hack/engine.sh [up]    reuse a reachable engine, else provision and start the offline one
#   hack/engine.sh env     print the exports that point clients at the engine (eval "$(...)")
#   hack/engine.sh stop    stop the offline engine and registry this script started
#   hack/engine.sh reset   restart the offline engine with an empty cache (cold benchmarks)
#
# Named engines: more offline engines from the same binaries and registry, beside the default one
# (e.g. to test on one engine while another is busy). Each has its own config, state, socket, logs,
# CNI network and pid files under $PREFIX/engines/NAME/, and its own mount and network namespaces
# (slirp4netns gives it egress; the registry stays localhost:5000 inside it):
#   hack/engine.sh up --name=NAME [--tcp=127.0.0.1:PORT]   start it (--tcp: also listen there)
#   hack/engine.sh env|reset|stop --name=NAME              point clients at, empty, stop it only
# NAME is 1 to 8 lower-case letters or digits; without --name every command means the default
# engine, exactly as above.
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
# DEBIAN_MIRROR (apt's own mirror), DAGGER_VERSION (v0.19.7; another version also needs
# DISTCONSTS_ALPINE_VERSION, DISTCONSTS_GOLANG_VERSION and DISTCONSTS_BUSYBOX_VERSION, see
# fetch_engine_source).
set -euo pipefail

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }
usage() { die "usage: $0 [up|env|stop|reset] [--name=NAME] [--tcp=127.0.0.1:PORT]"; }

CMD=up NAME="" TCP=""
for arg in "$@"; do
	case $arg in
	up | env | stop | reset | __netns-engine) CMD=$arg ;; # (__netns-engine: see netns_engine)
	--name=*) NAME=${arg#--name=} ;;
	--tcp=*) TCP=${arg#--tcp=} ;;
	*) usage ;;
	esac
done

PREFIX=${PREFIX:-/opt/dagger-offline}
DAGGER_VERSION=${DAGGER_VERSION:-v0.19.7}
CRANE_VERSION=${CRANE_VERSION:-v0.20.6}
REGISTRY=${REGISTRY:-localhost:5000}
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
BIN=$PREFIX/bin
LOGS=$PREFIX/logs
IMAGES=$PREFIX/images
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# What differs between engines: the default one, or NAME's under $PREFIX/engines/NAME.
if [ -z "$NAME" ]; then
	[ -z "$TCP" ] || die "--tcp needs --name (the default engine listens on its socket only)"
	SOCK=$PREFIX/run/engine.sock
	STATE=$PREFIX/state
	CONFIG=$PREFIX/etc/engine.toml
	ENGINE_LOG=$LOGS/engine.log
	PIDFILE=$PREFIX/run/engine.pid
else
	[[ $NAME =~ ^[a-z0-9]{1,8}$ ]] || die "--name=$NAME: use 1 to 8 lower-case letters or digits (its network interface, dagger-NAME0, must fit in 15 characters)"
	ENGINE_DIR=$PREFIX/engines/$NAME
	SOCK=$ENGINE_DIR/engine.sock
	STATE=$ENGINE_DIR/state
	CONFIG=$ENGINE_DIR/engine.toml
	ENGINE_LOG=$ENGINE_DIR/logs/engine.log
	PIDFILE=$ENGINE_DIR/engine.pid
	# The default engine's network is "dagger", 10.87.0.0/16. Each engine has its own network
	# namespace, so equal ranges would not clash; distinct ones keep logs and addresses telling.
	NET_NAME=dagger-$NAME
	NET_CIDR=10.$((88 + $(printf %s "$NAME" | cksum | cut -d' ' -f1) % 100)).0.0/16
fi

# running PID: not exited (an exited daemon stays a zombie until init reaps it, here up to 2 s)
running() { local stat; stat=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${stat:0:1}" != Z ]; }
alive() { [ -f "$1" ] && running "$(cat "$1")"; }

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
	# Which of this script's engines the exports point at (empty: the default), for bench's reset.
	echo "export STEPIMAGE_ENGINE=$NAME"
	if [ -n "$NAME" ]; then
		[ -S "$SOCK" ] || log "engine $NAME is not running (hack/engine.sh up --name=$NAME)"
		if alive "$ENGINE_DIR/tcp.pid"; then
			echo "# also on TCP: export _EXPERIMENTAL_DAGGER_RUNNER_HOST=tcp://$(cat "$ENGINE_DIR/tcp.addr")"
		fi
	fi
}

answers() { # answers CLI: the engine behind the current environment replies
	timeout 60 "$1" core version >/dev/null 2>&1
}

stop_pid() { # stop_pid PIDFILE: TERM, up to 30 s to exit, then KILL
	local pid
	if alive "$1"; then
		pid=$(cat "$1")
		kill -TERM "$pid"
		for _ in $(seq 60); do running "$pid" || break; sleep 0.5; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
}

stop_offline() {
	stop_pid "$PREFIX/run/engine.pid"
	stop_pid "$PREFIX/run/registry.pid"
}

# --- offline provisioning, one idempotent function per piece -----------------------------------

install_host_packages() {
	local wanted=(runc dnsmasq-base iptables containernetworking-plugins git openssh-client pigz
		xz-utils debootstrap ca-certificates util-linux iproute2 curl) missing=() pkg
	# A named engine: slirp4netns for its network's egress, socat for the registry and --tcp.
	[ -z "$NAME" ] || wanted+=(slirp4netns socat)
	for pkg in "${wanted[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
	if [ ${#missing[@]} -gt 0 ]; then
		log "apt-get install ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >"$LOGS/apt.log"
	fi
	sysctl -qw net.ipv4.ip_forward=1 || true
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || die "the kernel lacks overlayfs"
}

# The module proxy's zip of github.com/dagger/dagger lacks two nested modules its go.mod points
# at: the SDK (taken from the proxy at the same version) and engine/distconsts (written here,
# upstream's values with host paths moved under PREFIX so the engine runs outside a container).
# distconsts's image versions (Alpine, Golang, Busybox) are in no file of the zip, and the proxy
# serves no github.com/dagger/dagger/engine/distconsts module: they are upstream's for v0.19.7,
# and another DAGGER_VERSION needs them given from that tag's engine/distconsts/consts.go.
ALPINE_VERSION=3.22.1 GOLANG_VERSION=1.25.3 BUSYBOX_VERSION=1.37.0
check_version() {
	[ "$DAGGER_VERSION" = v0.19.7 ] && return
	if [ -z "${DISTCONSTS_ALPINE_VERSION:-}" ] || [ -z "${DISTCONSTS_GOLANG_VERSION:-}" ] || [ -z "${DISTCONSTS_BUSYBOX_VERSION:-}" ]; then
		die "DAGGER_VERSION=$DAGGER_VERSION: the engine's engine/distconsts module (Alpine, Golang and Busybox versions) is not in the Go module proxy's zip, and this script only knows v0.19.7's values. Set DISTCONSTS_ALPINE_VERSION, DISTCONSTS_GOLANG_VERSION and DISTCONSTS_BUSYBOX_VERSION from https://github.com/dagger/dagger/blob/$DAGGER_VERSION/engine/distconsts/consts.go, or use v0.19.7."
	fi
	ALPINE_VERSION=$DISTCONSTS_ALPINE_VERSION GOLANG_VERSION=$DISTCONSTS_GOLANG_VERSION BUSYBOX_VERSION=$DISTCONSTS_BUSYBOX_VERSION
}

fetch_engine_source() {
	local src=$PREFIX/src dir have
	# (.lab-patched: the same source prepared by the workplace's engine recipe; an empty marker
	# predates the version recorded in it, and was v0.19.7)
	if [ -f "$src/.stepimage-patched" ] || [ -f "$src/.lab-patched" ]; then
		have=$(cat "$src/.stepimage-patched" 2>/dev/null || true)
		[ "${have:-v0.19.7}" = "$DAGGER_VERSION" ] ||
			die "$src holds Dagger ${have:-v0.19.7}, not $DAGGER_VERSION: remove $src and $BIN to build another version"
		return
	fi
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
	DefaultEngineSockAddr = "unix://$PREFIX/run/engine.sock"
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
	AlpineVersion  = "$ALPINE_VERSION"
	AlpineImage    = "alpine:" + AlpineVersion
	GolangVersion  = "$GOLANG_VERSION"
	GolangImage    = "golang:" + GolangVersion + "-alpine"
	BusyboxVersion = "$BUSYBOX_VERSION"
	BusyboxImage   = "busybox:" + BusyboxVersion
)

const OCIVersionAnnotation = "org.opencontainers.image.version"

const EngineCustomCACertsDir = "/usr/local/share/ca-certificates"
EOF
	echo "$DAGGER_VERSION" >"$src/.stepimage-patched"
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

ensure_link() { # ensure_link TARGET NAME: (re)points NAME at TARGET unless it already does (a running engine uses them)
	[ "$(readlink "$2" 2>/dev/null)" = "$1" ] || ln -sfn "$1" "$2"
}

write_engine_config() {
	local plugin
	ensure_link "$(dpkg -L runc | grep -m1 '/s\?bin/runc$')" "$BIN/runc"
	mkdir -p "$PREFIX/cni-bin"
	for plugin in /usr/lib/cni/*; do ensure_link "$plugin" "$PREFIX/cni-bin/$(basename "$plugin")"; done
	cmp -s "$BIN/dnsname" "$PREFIX/cni-bin/dnsname" || cp -f "$BIN/dnsname" "$PREFIX/cni-bin/dnsname"
	# A named engine reaches the registry as the default does: inside its network namespace,
	# localhost:PORT is forwarded to the host's (see netns_engine).
	cat >"$CONFIG" <<EOF
root = "$STATE"
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
	# v2: the runtime's PATH leaves out the sbin directories (see push_base_images); the marker
	# makes push_rootfs push the image again.
	[ -f "$IMAGES/gosdk.v2.done" ] || touch "$IMAGES/gosdk.v2.done"
	cmp -s "$BIN/codegen" "$IMAGES/gosdk/usr/local/bin/codegen" || install -m 0755 "$BIN/codegen" "$IMAGES/gosdk/usr/local/bin/codegen"
}

push_rootfs() { # push_rootfs ROOTFS REF [crane mutate flags...]: pushes when missing or stale
	local dir=$1 ref=$2; shift 2
	local tarball; tarball=$IMAGES/$(basename "$dir").tar
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
	# Every module function call runs in this image. Without the sbin directories on its PATH,
	# an engine that trusts custom CA certificates appends them to the bundle instead of running
	# update-ca-certificates (in /usr/sbin) in two more containers around every call (about
	# 1.2 s a call on two cores); go and git need nothing from sbin.
	push_rootfs "$IMAGES/gosdk" "dagger/go-sdk:$DAGGER_VERSION" \
		--env "PATH=/go/bin:/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin" --env GOPATH=/go --env GOTOOLCHAIN=auto --workdir /go
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
	if [ -n "$NAME" ]; then
		stop_named_engine
		return
	fi
	alive "$PIDFILE" || return 0
	local pid; pid=$(cat "$PIDFILE")
	kill -TERM "$pid"
	for _ in $(seq 60); do running "$pid" || break; sleep 0.5; done
}

# --- named engines -------------------------------------------------------------------------------
# dagger-engine also listens on its built-in sockets ($PREFIX/run/engine.sock, /run/buildkit)
# whatever --addr says, and the default engine's dnsmasq holds port 53 on every interface: a
# named engine runs in its own mount and network namespaces, with tmpfs over both socket folders,
# its socket outside them, a sysfs of its own network namespace (the engine reads its interfaces'
# statistics there), and slirp4netns for egress (it shows the host's loopback as 10.0.2.2).

# netns_engine runs inside the new namespaces (hack/engine.sh __netns-engine --name=NAME, started
# by start_named_engine) and becomes the engine.
netns_engine() {
	local port=${REGISTRY_ADDR##*:}
	mount -t tmpfs -o mode=0755 tmpfs "$PREFIX/run"
	mkdir -p /run/buildkit
	mount -t tmpfs -o mode=0755 tmpfs /run/buildkit
	# A fresh sysfs hides the cgroup mounts under it: carry them over.
	mkdir -p "$ENGINE_DIR/cgroup"
	mount --rbind /sys/fs/cgroup "$ENGINE_DIR/cgroup"
	mount -t sysfs sysfs /sys
	mount --move "$ENGINE_DIR/cgroup" /sys/fs/cgroup
	ip link set lo up
	echo 1 >/proc/sys/net/ipv4/ip_forward
	for _ in $(seq 100); do ip -4 -o addr show dev tap0 2>/dev/null | grep -q inet && break; sleep 0.1; done
	ip -4 -o addr show dev tap0 2>/dev/null | grep -q inet || die "slirp4netns did not configure tap0"
	# The registry keeps its name: localhost:PORT in here is the host's, through slirp4netns.
	socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "TCP:10.0.2.2:$port" </dev/null &
	echo $! >"$ENGINE_DIR/registry-forward.pid"
	exec "$BIN/dagger-engine" --config "$CONFIG" --addr "unix://$SOCK" \
		--network-name "$NET_NAME" --network-cidr "$NET_CIDR"
}

in_own_netns() { # in_own_netns PID: the process lives in another network namespace than this script
	local ns; ns=$(readlink "/proc/$1/ns/net" 2>/dev/null) || return 1
	[ "$ns" != "$(readlink /proc/self/ns/net)" ]
}

start_named_engine() {
	local pid
	alive "$PIDFILE" || {
		stop_named_engine # leftovers of an engine that died
		rm -f "$SOCK"
		set_engine_env
		log "starting engine $NAME (network $NET_NAME, $NET_CIDR)"
		# This script again, in the new namespaces, with the same --name: it becomes the engine.
		env "${ENGINE_ENV[@]}" setsid unshare --mount --net --propagation private \
			"$BASH" "$(realpath "$0")" __netns-engine --name="$NAME" >>"$ENGINE_LOG" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$PIDFILE"
		# slirp4netns joins the process's network namespace: only once it is the new one, or it
		# would configure the host's.
		for _ in $(seq 100); do in_own_netns "$pid" && break; sleep 0.05; done
		in_own_netns "$pid" || { tail -20 "$ENGINE_LOG" >&2; die "engine $NAME did not get its network namespace"; }
		setsid slirp4netns --configure --mtu=65520 "$pid" tap0 >>"$ENGINE_DIR/logs/slirp4netns.log" 2>&1 </dev/null &
		echo $! >"$ENGINE_DIR/slirp4netns.pid"
		for _ in $(seq 120); do [ -S "$SOCK" ] && break; alive "$PIDFILE" || break; sleep 0.5; done
		[ -S "$SOCK" ] || { tail -20 "$ENGINE_LOG" >&2; die "engine $NAME did not come up (see $ENGINE_LOG)"; }
	}
	[ -z "$TCP" ] || start_tcp_forward
}

# --tcp: the engine's socket on a loopback TCP port of the host (the engine's own loopback is in
# its network namespace). The engine API is unauthenticated root: loopback only.
start_tcp_forward() {
	[[ $TCP =~ ^(127\.[0-9.]+|localhost):[0-9]+$ ]] || die "--tcp=$TCP: give a loopback address, e.g. --tcp=127.0.0.1:1234"
	if alive "$ENGINE_DIR/tcp.pid"; then
		[ "$(cat "$ENGINE_DIR/tcp.addr")" = "$TCP" ] && return
		stop_pid "$ENGINE_DIR/tcp.pid"
	fi
	setsid socat "TCP-LISTEN:${TCP##*:},bind=${TCP%:*},fork,reuseaddr" "UNIX-CONNECT:$SOCK" \
		>>"$ENGINE_DIR/logs/tcp.log" 2>&1 </dev/null &
	echo $! >"$ENGINE_DIR/tcp.pid"
	echo "$TCP" >"$ENGINE_DIR/tcp.addr"
	for _ in $(seq 20); do (: </dev/tcp/"${TCP%:*}"/"${TCP##*:}") 2>/dev/null && return; sleep 0.25; done
	die "the TCP forward on $TCP did not start (see $ENGINE_DIR/logs/tcp.log)"
}

stop_named_engine() {
	stop_pid "$PIDFILE"
	local helper
	for helper in registry-forward slirp4netns tcp; do stop_pid "$ENGINE_DIR/$helper.pid"; done
	rm -f "$SOCK" "$ENGINE_DIR/tcp.addr"
}

set_engine_env() { # ENGINE_ENV: what the engine's environment adds, as NAME=VALUE words for env
	ENGINE_ENV=(DAGGER_GO_SDK_MANIFEST_DIGEST="$(cat "$PREFIX/share/dagger/content/gosdk.digest")"
		GOPROXY="${GOPROXY:-$(go env GOPROXY)}")
	# GPU passthrough needs the NVIDIA container toolkit's hook on the host.
	if [ -x /usr/bin/nvidia-container-runtime-hook ] && command -v nvidia-smi >/dev/null; then
		ENGINE_ENV+=(_EXPERIMENTAL_DAGGER_GPU_SUPPORT=1)
		log "NVIDIA toolkit found: GPU support enabled"
	fi
}

start_engine() {
	if [ -n "$NAME" ]; then
		start_named_engine
		return
	fi
	alive "$PIDFILE" && return
	rm -f "$SOCK"
	set_engine_env
	log "starting the engine"
	# A private mount namespace: the engine bind-mounts its own resolv.conf over /etc/resolv.conf.
	env "${ENGINE_ENV[@]}" setsid unshare --mount --propagation private "$BIN/dagger-engine" --config "$CONFIG" \
		>>"$ENGINE_LOG" 2>&1 </dev/null &
	echo $! >"$PIDFILE"
	for _ in $(seq 120); do [ -S "$SOCK" ] && break; sleep 0.5; done
	[ -S "$SOCK" ] || { tail -20 "$ENGINE_LOG" >&2; die "the engine did not come up"; }
}

provision_offline() {
	[ "$(id -u)" = 0 ] || die "the offline engine needs root (namespaces, overlayfs, iptables)"
	command -v go >/dev/null || die "go is needed to build the offline engine (Go >= 1.24)"
	check_version
	mkdir -p "$BIN" "$PREFIX"/{run,logs,state,etc,images,share/dagger/content}
	[ -z "$NAME" ] || mkdir -p "$ENGINE_DIR/logs" "$STATE"
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
	# A busy engine (garbage collection, other clients) can take a while to answer.
	for _ in $(seq 120); do answers "$BIN/dagger" && return; sleep 1; done
	die "the engine started but does not answer (see $ENGINE_LOG)"
}

up() {
	export DAGGER_NO_NAG=1 DO_NOT_TRACK=1
	if [ -n "$NAME" ]; then
		local started=$SECONDS
		provision_offline
		log "engine $NAME ready in $((SECONDS - started))s: unix://$SOCK${TCP:+ and tcp://$TCP}, registry $REGISTRY"
		return
	fi
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

case "$CMD" in
up) up && print_env ;;
env) print_env ;;
stop) if [ -n "$NAME" ]; then stop_named_engine; else stop_offline; fi ;;
reset)
	# Cache volumes and the function cache are not all "releasable" to a prune: only an empty
	# state directory makes a build truly cold.
	[ -S "$SOCK" ] || die "no offline engine${NAME:+ $NAME} to reset"
	# (a named engine keeps its --tcp address)
	[ -z "$NAME" ] || [ -n "$TCP" ] || TCP=$(cat "$ENGINE_DIR/tcp.addr" 2>/dev/null || true)
	stop_engine_only
	rm -rf "$STATE"
	mkdir -p "$STATE"
	up >/dev/null && print_env
	;;
__netns-engine) [ -n "$NAME" ] && netns_engine ;;
*) usage ;;
esac

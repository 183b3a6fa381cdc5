package plan

import (
	"path"
	"strings"

	"dagger/stepimage/settings"
)

// Exec is one command of a layer, complete: the argv, what is mounted for it (and for it only,
// so that nothing mounted lands in the image), its own variables, and where its output goes.
// The layers package runs it as it is and the Dockerfile rendering writes the same command:
// no other package adds a flag, a mount or a command.
type Exec struct {
	Argv []string `json:"argv"`
	// Mounts are attached for this exec only, in order.
	Mounts []Mount `json:"mounts,omitempty"`
	// Env is set for this exec only: it stays out of the image config.
	Env []settings.EnvVar `json:"env,omitempty"`
	// Network is true for an exec that fetches packages: the caller's services (a private
	// index) are bound to it.
	Network bool `json:"network,omitempty"`
	// Scratch runs the exec on a throwaway copy of the image, of which only the Stdout file is
	// kept: the pyproject export needs tools (uv) that the image should not get from it.
	Scratch bool `json:"scratch,omitempty"`
	// Stdout, when set, is the in-image path the exec's standard output is written to.
	Stdout string `json:"stdout,omitempty"`
	// WithoutSbin runs the exec with the sbin directories off PATH, and with a copy of the
	// parent image's CACertsDir mounted over the image's: it needs no sbin tools (an
	// installer, chmod). An engine that trusts custom CA certificates (a runner behind a
	// TLS-intercepting proxy) runs update-ca-certificates, which lives in /usr/sbin, in two
	// more containers around every exec to install and remove them: about 1.2 s on two cores.
	// When PATH does not find it, the engine appends them to the bundle and cuts them out
	// afterwards, which costs nothing but leaves them in a Debian bundle (it looks for blank
	// lines between certificates, and Debian's has none): the mounted copy takes both writes,
	// and the image's own bundle and PATH stay as they were. Where the parent has no
	// bundle there, or it links elsewhere, the exec runs as any other does.
	WithoutSbin bool `json:"withoutSbin,omitempty"`
}

// CACertsDir holds CABundle, the CA bundle that Debian, Ubuntu and Alpine read, and the
// engine appends its custom certificates to.
const (
	CACertsDir = "/etc/ssl/certs"
	CABundle   = CACertsDir + "/ca-certificates.crt"
)

// DefaultPath is the search path of an image that sets none (the engine's and runc's default).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// PathWithoutSbin is the PATH a WithoutSbin exec runs with, given the image's ("" when the
// image sets none): the same directories, in order, less those named sbin.
func PathWithoutSbin(imagePath string) string {
	if imagePath == "" {
		imagePath = DefaultPath
	}
	var kept []string
	for _, dir := range strings.Split(imagePath, ":") {
		if path.Base(path.Clean(dir)) != "sbin" {
			kept = append(kept, dir)
		}
	}
	return strings.Join(kept, ":")
}

// MountKind says where a mount's contents come from.
type MountKind string

const (
	// MountCache is a namespaced cache volume (Volume), shared between builds.
	MountCache MountKind = "cache"
	// MountInput is the layer's input: its requirements file, or the pyproject's directory.
	MountInput MountKind = "input"
	// MountOutput is the Stdout file of an earlier exec of the same layer, at the same path.
	MountOutput MountKind = "output"
	// MountTemp is an empty scratch file system: what installers leave in /tmp (uv's
	// interpreter lock) stays out of the image.
	MountTemp MountKind = "temp"
	// MountText is a file whose contents the plan gives (Text): the layered resolve's script.
	MountText MountKind = "text"
)

// Mount is one mount of an exec.
type Mount struct {
	Kind   MountKind `json:"kind"`
	Target string    `json:"target"`
	// Volume names the cache volume (MountCache).
	Volume string `json:"volume,omitempty"`
	// Locked serialises the builds using the volume: apt cannot share its state.
	Locked bool `json:"locked,omitempty"`
	// Text is the contents of a MountText file.
	Text string `json:"text,omitempty"`
	// Layer names whose input a MountInput is, when not the exec's own layer's (the layered
	// resolve reads every source's).
	Layer Kind `json:"layer,omitempty"`
}

// Cache volumes, namespaced so that they never collide with another module's, and where
// installers find them.
const (
	AptArchivesVolume = "stepimage-apt-archives"
	AptListsVolume    = "stepimage-apt-lists"
	PipVolume         = "stepimage-pip"
	UVVolume          = "stepimage-uv"
	pipCacheDir       = "/var/cache/stepimage/pip"
	uvCacheDir        = "/var/cache/stepimage/uv"
	// The user's own install command finds the caches where pip and uv look by default.
	pipHomeCacheDir = "/root/.cache/pip"
	uvHomeCacheDir  = "/root/.cache/uv"
)

func cacheMount(volume, target string) Mount {
	return Mount{Kind: MountCache, Volume: volume, Target: target}
}

// shell renders the exec as one shell command line with the same effect: a `sh -c SCRIPT NAME
// ARGS...` exec whose script passes its arguments on as "$@" is written as the script with the
// arguments in place of "$@" (NAME, $0, only tags the exec's cache key); exec-only variables
// become assignments before the command.
func (e Exec) shell() string {
	var line string
	if len(e.Argv) >= 4 && e.Argv[0] == "sh" && e.Argv[1] == "-c" && strings.Contains(e.Argv[2], `"$@"`) {
		line = strings.ReplaceAll(e.Argv[2], `"$@"`, shellJoin(e.Argv[4:]))
	} else {
		line = shellJoin(e.Argv)
	}
	var assignments []string
	for _, env := range e.Env {
		assignments = append(assignments, env.Name+"="+shellJoin([]string{env.Value}))
	}
	return strings.Join(append(assignments, line), " ")
}

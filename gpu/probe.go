package gpu

import (
	"bytes"
	"dagger/stepimage/internal/text"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

//go:embed probe.py
var probeScript []byte

// ProbeName and ProbeSchema identify the probe's JSON object, so a stray JSON
// line printed by some library is never mistaken for the report.
const (
	ProbeName   = "stepimage-gpu-probe"
	ProbeSchema = 1
)

// ProbeScript returns probe.py. Run it in the image as
// "python3 <file>" (static facts) or "python3 <file> --gpu" (also nvidia-smi),
// and feed stdout to ParseProbe. The returned slice is a copy.
func ProbeScript() []byte { return bytes.Clone(probeScript) }

// ProbeReport mirrors the JSON object probe.py prints. A section is nil when
// the probe did not gather it or it failed as a whole (see Errors).
type ProbeReport struct {
	Probe   string `json:"probe"`
	Schema  int    `json:"schema"`
	Python  string `json:"python"` // sys.version
	GPUMode bool   `json:"gpu_mode"`
	// Env holds those of CUDA_VERSION, NVIDIA_VISIBLE_DEVICES,
	// NVIDIA_DRIVER_CAPABILITIES, LD_LIBRARY_PATH that are set.
	Env       map[string]string `json:"env"`
	Libcudart *LibcudartInfo    `json:"libcudart"`
	// Packages lists installed distributions that matter for CUDA (torch, jax*,
	// cupy*, tensorflow*, nvidia-*), names normalised (lower case, '-').
	Packages  []Package      `json:"packages"`
	Torch     *TorchInfo     `json:"torch"`
	NvidiaSMI *NvidiaSMIInfo `json:"nvidia_smi"` // only with --gpu
	Errors    []string       `json:"errors"`     // sections that failed as a whole
}

// LibcudartInfo lists the CUDA runtime libraries found on disk.
type LibcudartInfo struct {
	Files    []LibcudartFile `json:"files"`
	Searched []string        `json:"searched"`
}

// LibcudartFile is one libcudart*.so* found; Version is parsed from the real
// file's name (libcudart.so.12.1.105 -> 12.1.105) and may be only a major
// ("12", pip wheels ship just libcudart.so.12).
type LibcudartFile struct {
	Path    string `json:"path"`
	Real    string `json:"real"`
	Version string `json:"version"`
}

// Package is an installed Python distribution.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// TorchInfo is what torch says about itself. CUDA is nil for a CPU-only build
// (torch.version.cuda is None) or when torch did not import.
type TorchInfo struct {
	Installed        bool          `json:"installed"`
	Imported         bool          `json:"imported"`
	Error            string        `json:"error"`
	Version          string        `json:"version"`
	CUDA             *string       `json:"cuda"`
	CUDNN            *int          `json:"cudnn"`
	CUDNNError       string        `json:"cudnn_error"`
	CUDAAvailable    bool          `json:"cuda_available"`
	CUDAError        string        `json:"cuda_error"`
	DeviceCount      int           `json:"device_count"`
	DeviceCountError string        `json:"device_count_error"`
	Devices          []string      `json:"devices"`
	Compute          *TorchCompute `json:"compute"`
	Warnings         []string      `json:"warnings"`
}

// TorchCompute is the result of (ones(64,64) @ ones(64,64)).sum() on cuda:0.
type TorchCompute struct {
	OK       bool     `json:"ok"`
	Result   *float64 `json:"result"`
	Expected float64  `json:"expected"`
	Error    string   `json:"error"`
}

// NvidiaSMIInfo holds the two nvidia-smi runs of a --gpu probe.
type NvidiaSMIInfo struct {
	List  CommandResult `json:"list"`  // nvidia-smi -L
	Query CommandResult `json:"query"` // --query-gpu=name,driver_version,memory.total --format=csv,noheader
}

// CommandResult is one subprocess run. Error is set when it could not run at all
// (not found, timeout); RC is nil then.
type CommandResult struct {
	Argv   []string `json:"argv"`
	RC     *int     `json:"rc"`
	Stdout string   `json:"stdout"`
	Stderr string   `json:"stderr"`
	Error  string   `json:"error"`
}

// OK reports whether the command ran and exited 0.
func (c CommandResult) OK() bool { return c.Error == "" && c.RC != nil && *c.RC == 0 }

// Problem describes why the command failed, "" when it did not.
func (c CommandResult) Problem() string {
	switch {
	case c.Error != "":
		return c.Error
	case c.RC == nil:
		return "did not run"
	case *c.RC != 0:
		msg := strings.TrimSpace(c.Stderr)
		if msg == "" {
			msg = strings.TrimSpace(c.Stdout)
		}
		return fmt.Sprintf("exit status %d: %s", *c.RC, text.FirstLine(msg))
	}
	return ""
}

// GPU is one GPU as nvidia-smi reports it.
type GPU struct {
	Index         int
	Name          string
	UUID          string
	DriverVersion string // from the query run; "" if it failed
	MemoryTotal   string // e.g. "81559 MiB"
}

var smiListLine = regexp.MustCompile(`^GPU (\d+): (.*?)(?: \(UUID: ([^)]*)\))?$`)

// GPUs parses "nvidia-smi -L" ("GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)")
// and joins the query's CSV lines ("name, driver_version, memory.total") by
// position, which is how nvidia-smi orders both. MIG lines ("  MIG 1g.10gb
// Device 0: ...") are not GPUs and are skipped.
func (n *NvidiaSMIInfo) GPUs() []GPU {
	if n == nil {
		return nil
	}
	var gpus []GPU
	if n.List.OK() {
		for _, line := range strings.Split(n.List.Stdout, "\n") {
			m := smiListLine.FindStringSubmatch(strings.TrimRight(line, "\r "))
			if m == nil {
				continue
			}
			idx, _ := strconv.Atoi(m[1])
			gpus = append(gpus, GPU{Index: idx, Name: m[2], UUID: m[3]})
		}
	}
	if n.Query.OK() {
		i := 0
		for _, line := range strings.Split(n.Query.Stdout, "\n") {
			f := strings.Split(strings.TrimSpace(line), ",")
			if len(f) < 3 {
				continue
			}
			for k := range f {
				f[k] = strings.TrimSpace(f[k])
			}
			if i >= len(gpus) {
				// -L failed but the query worked: the query alone still counts GPUs.
				gpus = append(gpus, GPU{Index: i, Name: f[0]})
			}
			gpus[i].DriverVersion = f[1]
			gpus[i].MemoryTotal = f[2]
			i++
		}
	}
	return gpus
}

// DriverVersion is the host driver as nvidia-smi reports it, "" when unknown.
func (n *NvidiaSMIInfo) DriverVersion() string {
	for _, g := range n.GPUs() {
		if g.DriverVersion != "" {
			return g.DriverVersion
		}
	}
	return ""
}

// ErrNoProbeOutput is returned (wrapped) by ParseProbe when stdout holds no probe object.
var ErrNoProbeOutput = errors.New("no probe JSON object in output")

// ParseProbe extracts the probe's JSON object from the stdout of probe.py.
// Lines before it (pip warnings, banners from entrypoint scripts) and after it
// are ignored: the object is found as the first line starting with '{' whose
// JSON value carries the probe's name. A JSON object from someone else is
// skipped; the probe's own object that fails to decode is an error.
func ParseProbe(stdout []byte) (*ProbeReport, error) {
	var firstErr error
	for off := 0; off < len(stdout); {
		end := bytes.IndexByte(stdout[off:], '\n')
		next := len(stdout)
		if end >= 0 {
			next = off + end + 1
		}
		line := bytes.TrimLeft(stdout[off:next], " \t\r")
		if len(line) > 0 && line[0] == '{' {
			start := next - len(line) // line is a suffix of stdout[off:next]
			rep, isProbe, err := decodeProbeAt(stdout[start:])
			if isProbe {
				if err != nil {
					return nil, err
				}
				return rep, nil
			}
			if firstErr == nil && err != nil {
				firstErr = err
			}
		}
		off = next
	}
	msg := fmt.Sprintf("%d bytes", len(stdout))
	if s := strings.TrimSpace(string(stdout)); s != "" {
		msg += ", starting " + strconv.Quote(truncate(text.FirstLine(s), 120))
	}
	if firstErr != nil {
		return nil, fmt.Errorf("%w (%s; last JSON error: %v)", ErrNoProbeOutput, msg, firstErr)
	}
	return nil, fmt.Errorf("%w (%s)", ErrNoProbeOutput, msg)
}

// decodeProbeAt decodes the first JSON value in b. isProbe says whether it is
// the probe's object (by its "probe" field), so that errors in unrelated JSON
// lines do not hide the real report further down.
func decodeProbeAt(b []byte) (rep *ProbeReport, isProbe bool, err error) {
	var raw json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&raw); err != nil {
		return nil, false, err
	}
	var marker struct {
		Probe  string `json:"probe"`
		Schema int    `json:"schema"`
	}
	if err := json.Unmarshal(raw, &marker); err != nil || marker.Probe != ProbeName {
		return nil, false, err
	}
	if marker.Schema != ProbeSchema {
		return nil, true, fmt.Errorf("probe output has schema %d, this code reads schema %d", marker.Schema, ProbeSchema)
	}
	rep = new(ProbeReport)
	if err := json.Unmarshal(raw, rep); err != nil {
		return nil, true, fmt.Errorf("decode probe output: %w", err)
	}
	return rep, true, nil
}

// TorchCUDA returns torch.version.cuda and whether torch imported; cuda is ""
// for a CPU-only build.
func (p *ProbeReport) TorchCUDA() (cuda string, imported bool) {
	if p == nil || p.Torch == nil || !p.Torch.Imported {
		return "", false
	}
	if p.Torch.CUDA != nil {
		cuda = *p.Torch.CUDA
	}
	return cuda, true
}

// Package returns the installed distribution with the given (normalised) name.
func (p *ProbeReport) Package(name string) (Package, bool) {
	if p == nil {
		return Package{}, false
	}
	name = normalizeName(name)
	for _, pkg := range p.Packages {
		if normalizeName(pkg.Name) == name {
			return pkg, true
		}
	}
	return Package{}, false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

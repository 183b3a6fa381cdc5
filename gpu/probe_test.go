package gpu

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFixture(t *testing.T, name string) *ProbeReport {
	t.Helper()
	p, err := ParseProbe(readFixture(t, name))
	if err != nil {
		t.Fatalf("ParseProbe(%s): %v", name, err)
	}
	return p
}

func TestProbeScriptIsEmbedded(t *testing.T) {
	disk, err := os.ReadFile("probe.py")
	if err != nil {
		t.Fatal(err)
	}
	got := ProbeScript()
	if !bytes.Equal(got, disk) {
		t.Fatal("ProbeScript() differs from probe.py")
	}
	got[0] = 'X' // a copy: callers cannot corrupt the embedded script
	if ProbeScript()[0] == 'X' {
		t.Fatal("ProbeScript returned the embedded slice itself")
	}
}

// Real output captured on the development host (no GPU, no torch).
func TestParseProbeHostFixtures(t *testing.T) {
	p := parseFixture(t, "host-python3.11-no-gpu.json")
	if p.Schema != ProbeSchema || !strings.HasPrefix(p.Python, "3.11") || p.GPUMode {
		t.Errorf("header: %+v", p)
	}
	if p.Torch == nil || p.Torch.Installed || p.Torch.Imported {
		t.Errorf("torch = %+v, want not installed", p.Torch)
	}
	if p.Libcudart == nil || len(p.Libcudart.Files) != 0 || len(p.Libcudart.Searched) == 0 {
		t.Errorf("libcudart = %+v", p.Libcudart)
	}
	if p.Packages == nil || len(p.Packages) != 0 {
		t.Errorf("packages = %#v, want empty non-nil", p.Packages)
	}
	if p.NvidiaSMI != nil {
		t.Errorf("nvidia_smi without --gpu: %+v", p.NvidiaSMI)
	}

	p = parseFixture(t, "host-python3.8-no-gpu.json")
	if !strings.HasPrefix(p.Python, "3.8") {
		t.Errorf("python = %q", p.Python)
	}

	p = parseFixture(t, "host-python3.11-gpu-flag-no-nvidia-smi.json")
	if !p.GPUMode || p.NvidiaSMI == nil {
		t.Fatalf("want nvidia_smi section: %+v", p)
	}
	if p.NvidiaSMI.List.OK() || !strings.Contains(p.NvidiaSMI.List.Problem(), "nvidia-smi") {
		t.Errorf("list = %+v, problem %q", p.NvidiaSMI.List, p.NvidiaSMI.List.Problem())
	}
	if g := p.NvidiaSMI.GPUs(); len(g) != 0 {
		t.Errorf("GPUs = %+v", g)
	}

	// A venv with the real nvidia-cuda-runtime-cu12 12.1.105 wheel (ships libcudart.so.12).
	p = parseFixture(t, "host-venv-nvidia-cuda-runtime-cu12.json")
	if len(p.Libcudart.Files) != 1 || p.Libcudart.Files[0].Version != "12" ||
		!strings.HasSuffix(p.Libcudart.Files[0].Path, "site-packages/nvidia/cuda_runtime/lib/libcudart.so.12") {
		t.Errorf("libcudart = %+v", p.Libcudart.Files)
	}
	if pkg, ok := p.Package("nvidia_cuda_runtime_cu12"); !ok || pkg.Version != "12.1.105" {
		t.Errorf("package = %+v, %v", pkg, ok)
	}
}

func TestParseProbeSyntheticH100(t *testing.T) {
	p := parseFixture(t, "synthetic-h100-torch2.4.0-cu121-gpu.json")
	cuda, imported := p.TorchCUDA()
	if !imported || cuda != "12.1" || !p.Torch.CUDAAvailable || p.Torch.DeviceCount != 1 {
		t.Errorf("torch = %+v", p.Torch)
	}
	if p.Torch.CUDNN == nil || *p.Torch.CUDNN != 90100 {
		t.Errorf("cudnn = %v", p.Torch.CUDNN)
	}
	if c := p.Torch.Compute; c == nil || !c.OK || c.Result == nil || *c.Result != 64*64*64 {
		t.Errorf("compute = %+v", c)
	}
	gpus := p.NvidiaSMI.GPUs()
	want := GPU{Index: 0, Name: "NVIDIA H100 80GB HBM3", UUID: "GPU-00000000-1111-2222-3333-444444444444",
		DriverVersion: "550.54.15", MemoryTotal: "81559 MiB"}
	if len(gpus) != 1 || gpus[0] != want {
		t.Errorf("GPUs = %+v", gpus)
	}
	if d := p.NvidiaSMI.DriverVersion(); d != "550.54.15" {
		t.Errorf("DriverVersion = %q", d)
	}
}

func TestParseProbeNoise(t *testing.T) {
	body := readFixture(t, "host-python3.11-no-gpu.json")
	noisy := "WARNING: Running pip as the 'root' user can result in broken permissions\n" +
		"{not json at all\n" +
		`{"some": "other json object"}` + "\n" +
		"  " + string(body) + "trailing banner\n"
	p, err := ParseProbe([]byte(noisy))
	if err != nil {
		t.Fatal(err)
	}
	if p.Probe != ProbeName {
		t.Errorf("probe = %q", p.Probe)
	}
	// CRLF line ends (a TTY) and pretty-printed JSON also parse.
	pretty := "banner\r\n{\r\n  \"probe\": \"stepimage-gpu-probe\",\r\n  \"schema\": 1,\r\n  \"python\": \"3.12\"\r\n}\r\n"
	if p, err := ParseProbe([]byte(pretty)); err != nil || p.Python != "3.12" {
		t.Errorf("pretty: %+v, %v", p, err)
	}
}

func TestParseProbeInvalid(t *testing.T) {
	tests := []struct {
		name, out string
		noProbe   bool // wraps ErrNoProbeOutput
		contains  string
	}{
		{"empty", "", true, "0 bytes"},
		{"text", "Traceback (most recent call last):\n  File \"probe.py\"\nSyntaxError: invalid syntax\n", true, "Traceback"},
		{"other json", `{"a": 1}` + "\n", true, ""},
		{"truncated", `{"probe": "stepimage-gpu-probe", "schema": 1, "torch": {`, true, "last JSON error"},
		{"wrong schema", `{"probe": "stepimage-gpu-probe", "schema": 99}`, false, "schema 99"},
		{"wrong type", `{"probe": "stepimage-gpu-probe", "schema": 1, "torch": {"device_count": "two"}}`, false, "decode probe output"},
	}
	for _, tt := range tests {
		p, err := ParseProbe([]byte(tt.out))
		if err == nil {
			t.Errorf("%s: got %+v, want error", tt.name, p)
			continue
		}
		if errors.Is(err, ErrNoProbeOutput) != tt.noProbe || !strings.Contains(err.Error(), tt.contains) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

func TestNvidiaSMIGPUsParsing(t *testing.T) {
	rc0 := 0
	n := &NvidiaSMIInfo{
		List: CommandResult{RC: &rc0, Stdout: "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-a)\n" +
			"  MIG 3g.40gb     Device  0: (UUID: MIG-x)\n" +
			"GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-b)\n"},
		Query: CommandResult{RC: &rc0, Stdout: "NVIDIA A100-SXM4-80GB, 535.104.05, 81920 MiB\n" +
			"NVIDIA A100-SXM4-80GB, 535.104.05, 81920 MiB\n"},
	}
	g := n.GPUs()
	if len(g) != 2 || g[1].UUID != "GPU-b" || g[1].Index != 1 || g[0].DriverVersion != "535.104.05" {
		t.Errorf("GPUs = %+v", g)
	}
	// Query only (e.g. -L failed): still counted.
	rc9 := 9
	n.List = CommandResult{RC: &rc9, Stderr: "Failed to initialize NVML: Driver/library version mismatch\n"}
	if g := n.GPUs(); len(g) != 2 || g[0].Name != "NVIDIA A100-SXM4-80GB" {
		t.Errorf("GPUs = %+v", g)
	}
	if p := n.List.Problem(); !strings.Contains(p, "exit status 9") || !strings.Contains(p, "NVML") {
		t.Errorf("Problem = %q", p)
	}
	var nilSMI *NvidiaSMIInfo
	if nilSMI.GPUs() != nil || nilSMI.DriverVersion() != "" {
		t.Error("nil receiver")
	}
}

// runProbe runs probe.py with the host's python3, as a convenience check that
// the script runs and its output parses; skipped where python3 is absent.
func runProbe(t *testing.T, env []string, args ...string) (*ProbeReport, string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not on PATH")
	}
	cmd := exec.Command(py, append([]string{"probe.py"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("probe.py: %v\nstderr: %s", err, stderr.String())
	}
	p, err := ParseProbe(stdout.Bytes())
	if err != nil {
		t.Fatalf("ParseProbe: %v\nstdout: %s", err, stdout.String())
	}
	// stdout must be exactly one JSON line: nothing else may leak into it.
	if n := bytes.Count(bytes.TrimSpace(stdout.Bytes()), []byte("\n")); n != 0 {
		t.Errorf("stdout has %d extra lines:\n%s", n, stdout.String())
	}
	return p, stderr.String()
}

func TestProbeRunsOnHost(t *testing.T) {
	p, _ := runProbe(t, nil, "--gpu")
	if p.Schema != ProbeSchema || p.Python == "" || p.Libcudart == nil || p.Torch == nil || p.NvidiaSMI == nil {
		t.Errorf("incomplete report: %+v", p)
	}
	if len(p.Errors) != 0 {
		t.Errorf("errors: %v", p.Errors)
	}
}

// TestProbeIsolatesStdout uses a stand-in "torch" package that is NOT torch: it
// only checks the probe's plumbing (output written to fd 1 by an imported module
// goes to stderr; a CPU-style torch.version.cuda None is reported; an import
// that raises is captured), not real torch behaviour.
func TestProbeIsolatesStdout(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(dir, "torch")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := `import os, sys, warnings
print("noise via print")
os.write(1, b"noise via fd 1\n")
warnings.warn("stand-in warning")
__version__ = "0.0.0+fake"
class version: cuda = None
class _Cuda:
    @staticmethod
    def is_available(): return False
    @staticmethod
    def device_count(): return 0
cuda = _Cuda()
class backends:
    class cudnn:
        @staticmethod
        def version(): return None
`
	if err := os.WriteFile(filepath.Join(pkg, "__init__.py"), []byte(fake), 0o644); err != nil {
		t.Fatal(err)
	}
	p, stderr := runProbe(t, []string{"PYTHONPATH=" + dir, "CUDA_VERSION=12.1.1"})
	if !p.Torch.Imported || p.Torch.CUDA != nil || p.Torch.Version != "0.0.0+fake" || p.Torch.CUDNN != nil {
		t.Errorf("torch = %+v", p.Torch)
	}
	if len(p.Torch.Warnings) != 1 || p.Torch.Warnings[0] != "stand-in warning" {
		t.Errorf("warnings = %v", p.Torch.Warnings)
	}
	if !strings.Contains(stderr, "noise via print") || !strings.Contains(stderr, "noise via fd 1") {
		t.Errorf("noise not on stderr: %q", stderr)
	}
	if p.Env["CUDA_VERSION"] != "12.1.1" {
		t.Errorf("env = %v", p.Env)
	}

	if err := os.WriteFile(filepath.Join(pkg, "__init__.py"), []byte("raise OSError('libcudart.so.12: cannot open shared object file')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ = runProbe(t, []string{"PYTHONPATH=" + dir})
	if !p.Torch.Installed || p.Torch.Imported || !strings.Contains(p.Torch.Error, "libcudart.so.12") {
		t.Errorf("torch = %+v", p.Torch)
	}

	if err := os.WriteFile(filepath.Join(pkg, "__init__.py"), []byte("import sys\nsys.exit(3)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ = runProbe(t, []string{"PYTHONPATH=" + dir})
	if p.Torch != nil || len(p.Errors) != 1 || !strings.Contains(p.Errors[0], "torch: SystemExit") {
		t.Errorf("torch = %+v, errors = %v", p.Torch, p.Errors)
	}
}

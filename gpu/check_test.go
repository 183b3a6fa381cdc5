package gpu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findingSet renders findings as "severity:code" for compact assertions.
func findingSet(r Report) map[string]bool {
	m := map[string]bool{}
	for _, f := range r.Findings {
		m[string(f.Severity)+":"+f.Code] = true
	}
	return m
}

func torchProbe(version string, cuda *string) *ProbeReport {
	return &ProbeReport{
		Probe: ProbeName, Schema: ProbeSchema,
		Libcudart: &LibcudartInfo{Searched: []string{"/usr/lib64"}},
		Packages:  []Package{{Name: "torch", Version: version}},
		Torch:     &TorchInfo{Installed: true, Imported: true, Version: version, CUDA: cuda},
	}
}

func TestCheckRules(t *testing.T) {
	hostProbe := func(t *testing.T) *ProbeReport { return parseFixture(t, "host-python3.11-no-gpu.json") }
	tests := []struct {
		name string
		in   func(t *testing.T) Input
		want []string // "severity:code" that must be present
		not  []string // codes that must be absent (any severity)
		ok   bool
		// expected ImageCUDA / source substring / FrameworkCUDA; "-" skips
		cuda, source, fwCUDA string
	}{
		{
			name: "GPU step on a CPU image, nothing else",
			in:   func(*testing.T) Input { return Input{GPUCount: 1, ParentImage: "python:3.11-slim"} },
			want: []string{"error:" + CodeNoCUDARuntime},
			cuda: "", source: "", fwCUDA: "-",
		},
		{
			name: "GPU step on a CPU image, real host probe",
			in: func(t *testing.T) Input {
				return Input{GPUCount: 2, ParentImage: "python:3.11-slim", Probe: hostProbe(t)}
			},
			want: []string{"error:" + CodeNoCUDARuntime},
			cuda: "", source: "", fwCUDA: "-",
		},
		{
			name: "CPU torch wheel from requirements in a GPU step",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "python:3.11-slim", Requirements: []string{"torch==2.2.0+cpu"}}
			},
			want: []string{"error:" + CodeFrameworkCPUOnly},
			not:  []string{CodeNoCUDARuntime}, // the CUDA build fix covers it
			cuda: "", source: "-", fwCUDA: "",
		},
		{
			name: "CPU torch in the probe (torch.version.cuda None) on a CUDA image",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:12.1.1-runtime-ubuntu22.04", Probe: torchProbe("2.4.0+cpu", nil)}
			},
			want: []string{"error:" + CodeFrameworkCPUOnly},
			cuda: "12.1", source: "parent image tag", fwCUDA: "",
		},
		{
			name: "ROCm torch in a GPU step",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "python:3.11-slim", Requirements: []string{"torch==2.3.0+rocm6.0"}}
			},
			want: []string{"error:" + CodeFrameworkNotCUDA},
			cuda: "-", source: "-", fwCUDA: "",
		},
		{
			name: "CPU torch in a CPU step is fine",
			in: func(*testing.T) Input {
				return Input{GPUCount: 0, ParentImage: "python:3.11-slim", Requirements: []string{"torch==2.2.0+cpu"}}
			},
			ok:   true,
			not:  []string{CodeFrameworkCPUOnly, CodeCPUStepCUDAImage},
			cuda: "", source: "", fwCUDA: "",
		},
		{
			name: "PyPI torch on a slim image without probe: unverified, not an error",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "python:3.11-slim", Requirements: []string{"torch==2.4.0"}}
			},
			want: []string{"warning:" + CodeCUDARuntimeUnverified},
			not:  []string{CodeNoCUDARuntime},
			ok:   true,
			cuda: "", source: "-", fwCUDA: "",
		},
		{
			name: "CUDA from image env",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "registry.example.com/base:latest",
					ImageEnv: map[string]string{"CUDA_VERSION": "12.1.1", "NVIDIA_VISIBLE_DEVICES": "all"}, DriverVersion: "535.104.05"}
			},
			ok:   true,
			cuda: "12.1", source: "image env CUDA_VERSION=12.1.1", fwCUDA: "-",
		},
		{
			name: "CUDA from parent image tag",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime", DriverVersion: "535.104.05"}
			},
			not:  []string{CodeDriverMinorCompat, CodeDriverTooOld}, // 535 >= 520.61.05
			ok:   true,
			cuda: "11.8", source: "parent image tag pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime", fwCUDA: "-",
		},
		{
			name: "CUDA from libcudart beats env and tag",
			in: func(t *testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime",
					ImageEnv: map[string]string{"CUDA_VERSION": "11.7.1"},
					Probe:    parseFixture(t, "synthetic-pytorch-2.2.0-cuda11.8-conda-no-gpu.json"), DriverVersion: "535.104.05"}
			},
			ok:   true,
			cuda: "11.8", source: "libcudart /opt/conda/lib/libcudart.so.11.8.89", fwCUDA: "11.8",
		},
		{
			name: "CUDA from the runtime wheel on disk (real venv capture)",
			in: func(t *testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "python:3.11-slim", Probe: parseFixture(t, "host-venv-nvidia-cuda-runtime-cu12.json")}
			},
			want: []string{"info:" + CodeDriverUnknown},
			not:  []string{CodeNoCUDARuntime},
			ok:   true,
			cuda: "12.1", source: "version from package nvidia-cuda-runtime-cu12 12.1.105", fwCUDA: "-",
		},
		{
			name: "CUDA from a runtime wheel requirement",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "python:3.11-slim",
					Requirements: []string{"cupy-cuda12x==13.3.0", "nvidia-cuda-runtime-cu12==12.4.127"}, DriverVersion: "550.54.15"}
			},
			ok:   true,
			cuda: "12.4", source: "requirement nvidia-cuda-runtime-cu12==12.4.127", fwCUDA: "12",
		},
		{
			name: "env beats wheel beats tag",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:11.8.0-runtime-ubuntu22.04",
					ImageEnv: map[string]string{"CUDA_VERSION": "12.2.2"}, Requirements: []string{"nvidia-cuda-runtime-cu12==12.4.127"}}
			},
			cuda: "12.2", source: "image env", fwCUDA: "-", ok: true,
		},
		{
			name: "driver below the minor-compat floor",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:12.1.1-runtime-ubuntu22.04", DriverVersion: "470.82.01"}
			},
			want: []string{"error:" + CodeDriverTooOld},
			cuda: "12.1", source: "-", fwCUDA: "-",
		},
		{
			name: "driver within minor-version compatibility",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:12.4.1-runtime-ubuntu22.04", DriverVersion: "535.104.05"}
			},
			want: []string{"warning:" + CodeDriverMinorCompat},
			not:  []string{CodeDriverTooOld},
			ok:   true,
			cuda: "12.4", source: "-", fwCUDA: "-",
		},
		{
			name: "driver new enough",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:12.1.1-runtime-ubuntu22.04", DriverVersion: "535.104.05"}
			},
			not:  []string{CodeDriverTooOld, CodeDriverMinorCompat, CodeDriverUnknown},
			ok:   true,
			cuda: "12.1", source: "-", fwCUDA: "-",
		},
		{
			name: "CUDA 13 image on an R570 driver",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:13.0.0-runtime-ubuntu24.04", DriverVersion: "570.124.06"}
			},
			want: []string{"error:" + CodeDriverTooOld},
			cuda: "13.0", source: "-", fwCUDA: "-",
		},
		{
			name: "torch brings newer CUDA than the image: driver judged against torch's",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:11.8.0-runtime-ubuntu22.04",
					Requirements: []string{"torch==2.5.1+cu124"}, DriverVersion: "520.61.05"}
			},
			want: []string{"info:" + CodeFrameworkOwnCUDA, "error:" + CodeDriverTooOld},
			not:  []string{CodeFrameworkCUDANewer},
			cuda: "11.8", source: "-", fwCUDA: "12.4",
		},
		{
			name: "bundled torch on an older CUDA image is fine with a good driver",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime",
					Requirements: []string{"torch==2.4.0+cu121"}, DriverVersion: "550.54.15"}
			},
			want: []string{"info:" + CodeFrameworkOwnCUDA},
			ok:   true,
			cuda: "11.8", source: "-", fwCUDA: "12.1",
		},
		{
			name: "torch bundled is the image CUDA on a slim image",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "python:3.11-slim",
					Requirements: []string{"--extra-index-url https://download.pytorch.org/whl/cu121", "torch==2.4.0"}, DriverVersion: "535.104.05"}
			},
			ok:   true,
			not:  []string{CodeNoCUDARuntime, CodeCUDARuntimeUnverified},
			cuda: "12.1", source: "bundled with torch 2.4.0", fwCUDA: "12.1",
		},
		{
			name: "framework needing system CUDA 12 on a CUDA 11 image",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:11.8.0-runtime-ubuntu22.04", Requirements: []string{"cupy-cuda12x"}}
			},
			want: []string{"error:" + CodeFrameworkCUDANewer},
			cuda: "11.8", source: "-", fwCUDA: "12",
		},
		{
			name: "framework needing system CUDA 11 on a CUDA 12 image",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:12.1.1-runtime-ubuntu22.04", Requirements: []string{"jax[cuda11_local]"}}
			},
			want: []string{"error:" + CodeFrameworkCUDAOlder},
			cuda: "12.1", source: "-", fwCUDA: "11",
		},
		{
			name: "framework minor newer than the image",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:11.4.3-runtime-ubuntu20.04", Requirements: []string{"cupy-cuda117"}}
			},
			want: []string{"warning:" + CodeFrameworkCUDAMinor},
			ok:   true,
			cuda: "11.4", source: "-", fwCUDA: "11.7",
		},
		{
			name: "matching system CUDA framework",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:12.1.1-runtime-ubuntu22.04", Requirements: []string{"jax[cuda12_local]"}}
			},
			ok:   true,
			not:  []string{CodeFrameworkCUDANewer, CodeFrameworkCUDAOlder, CodeFrameworkCUDAMinor},
			cuda: "12.1", source: "-", fwCUDA: "12",
		},
		{
			name: "CPU step on a CUDA image",
			in: func(*testing.T) Input {
				return Input{GPUCount: 0, ParentImage: "pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime"}
			},
			want: []string{"info:" + CodeCPUStepCUDAImage},
			not:  []string{CodeDriverUnknown},
			ok:   true,
			cuda: "11.8", source: "-", fwCUDA: "-",
		},
		{
			name: "CPU step on a slim image: nothing to say",
			in: func(t *testing.T) Input {
				return Input{GPUCount: 0, ParentImage: "python:3.11-slim", Probe: hostProbe(t)}
			},
			ok:   true,
			cuda: "", source: "", fwCUDA: "",
		},
		{
			name: "GPU image whose tag has no version",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "tensorflow/tensorflow:2.15.0-gpu", DriverVersion: "535.104.05"}
			},
			want: []string{"info:" + CodeCUDAVersionUnknown},
			not:  []string{CodeNoCUDARuntime},
			ok:   true,
			cuda: "", source: "CUDA version not in the tag", fwCUDA: "-",
		},
		{
			name: "env claims CUDA but the probe finds no libcudart",
			in: func(t *testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "acme/base:1", ImageEnv: map[string]string{"CUDA_VERSION": "12.1.1"}, Probe: hostProbe(t)}
			},
			want: []string{"warning:" + CodeCUDAClaimedNotFound},
			ok:   true,
			cuda: "12.1", source: "-", fwCUDA: "-",
		},
		{
			name: "torch installed but not importable",
			in: func(*testing.T) Input {
				p := torchProbe("2.4.0", nil)
				p.Torch.Imported = false
				p.Torch.Error = "OSError: libcudart.so.12: cannot open shared object file"
				return Input{GPUCount: 0, ParentImage: "python:3.11-slim", Probe: p}
			},
			want: []string{"error:" + CodeTorchImportFailed},
			cuda: "-", source: "-", fwCUDA: "-",
		},
		{
			name: "synthetic H100 probe, static view",
			in: func(t *testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "python:3.11-slim", Probe: parseFixture(t, "synthetic-h100-torch2.4.0-cu121-gpu.json")}
			},
			ok:   true,
			not:  []string{CodeDriverUnknown, CodeDriverMinorCompat}, // driver 550.54.15 read from nvidia-smi
			cuda: "12.1", source: "libcudart", fwCUDA: "12.1",
		},
		{
			name: "probe section failure is surfaced",
			in: func(*testing.T) Input {
				return Input{GPUCount: 0, Probe: &ProbeReport{Probe: ProbeName, Schema: 1, Errors: []string{"packages: ImportError: x"}}}
			},
			want: []string{"warning:" + CodeProbeSectionFailed},
			ok:   true,
			cuda: "", source: "", fwCUDA: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.in(t))
			wantFindings(t, r, tt.want, tt.not)
			if tt.ok != r.OK() {
				t.Errorf("OK() = %v, want %v", r.OK(), tt.ok)
			}
			if tt.cuda != "-" && r.ImageCUDA != tt.cuda {
				t.Errorf("ImageCUDA = %q, want %q", r.ImageCUDA, tt.cuda)
			}
			if tt.source != "-" {
				if tt.source == "" && r.ImageCUDASource != "" || !strings.Contains(r.ImageCUDASource, tt.source) {
					t.Errorf("ImageCUDASource = %q, want it to contain %q", r.ImageCUDASource, tt.source)
				}
			}
			if tt.fwCUDA != "-" && r.FrameworkCUDA != tt.fwCUDA {
				t.Errorf("FrameworkCUDA = %q, want %q", r.FrameworkCUDA, tt.fwCUDA)
			}
			for _, f := range r.Findings {
				if f.Severity == SeverityError && f.Fix == "" {
					t.Errorf("error %s has no fix", f.Code)
				}
			}
			if t.Failed() {
				t.Log("\n" + r.String())
			}
		})
	}
}

func TestReportString(t *testing.T) {
	r := Check(Input{GPUCount: 1, ParentImage: "nvidia/cuda:12.1.1-runtime-ubuntu22.04",
		Requirements: []string{"torch==2.2.0+cpu"}, DriverVersion: "470.82.01"})
	s := r.String()
	for _, want := range []string{
		"GPU check: FAIL (2 error(s)",
		"image CUDA:     12.1 (parent image tag nvidia/cuda:12.1.1-runtime-ubuntu22.04)",
		"framework:      torch 2.2.0+cpu, CUDA unknown/none",
		"host driver:    470.82.01",
		"[framework-cpu-only]",
		"[driver-too-old] host driver 470.82.01 is too old for CUDA 12.1",
		"fix: upgrade the host NVIDIA driver to >= 530.30.02",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	// Errors print before warnings and infos.
	if strings.Index(s, "error ") > strings.Index(s, "info ") && strings.Contains(s, "info ") {
		t.Errorf("order:\n%s", s)
	}
	ok := Check(Input{GPUCount: 0, ParentImage: "python:3.11-slim"}).String()
	if !strings.HasPrefix(ok, "GPU check: OK (0 error(s), 0 warning(s), 0 info)") || !strings.Contains(ok, "image CUDA:     none found") {
		t.Errorf("String():\n%s", ok)
	}
}

// Every finding code is documented in docs/gpu.md.
func TestDocsListEveryCode(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "gpu.md"))
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{
		CodeNoCUDARuntime, CodeCUDARuntimeUnverified, CodeFrameworkCPUOnly, CodeFrameworkNotCUDA,
		CodeFrameworkCUDANewer, CodeFrameworkCUDAOlder, CodeFrameworkCUDAMinor, CodeFrameworkOwnCUDA,
		CodeDriverTooOld, CodeDriverMinorCompat, CodeDriverUnchecked, CodeDriverUnknown,
		CodeCUDAVersionUnknown, CodeCUDAClaimedNotFound, CodeMultipleCUDARuntimes, CodeCPUStepCUDAImage,
		CodeTorchImportFailed, CodeProbeSectionFailed, CodeProbeMissing, CodeProbeNotGPU,
		CodeNvidiaSMIFailed, CodeNoGPUs, CodeTooFewGPUs, CodeTorchNoCUDA, CodeTorchTooFewDevices,
		CodeTorchComputeFailed, CodeNoFrameworkCheck,
	}
	for _, c := range codes {
		if !strings.Contains(string(doc), "`"+c+"`") {
			t.Errorf("docs/gpu.md does not mention %s", c)
		}
	}
}

// wantFindings asserts that the report has every "severity:code" of want and no code of not.
func wantFindings(t *testing.T, r Report, want, not []string) {
	t.Helper()
	got := findingSet(r)
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing %s", w)
		}
	}
	for _, code := range not {
		if r.Has(code) {
			t.Errorf("unexpected %s", code)
		}
	}
}

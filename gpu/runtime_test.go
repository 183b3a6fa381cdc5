package gpu

import (
	"strings"
	"testing"
)

func h100(t *testing.T) *ProbeReport {
	return parseFixture(t, "synthetic-h100-torch2.4.0-cu121-gpu.json")
}

func TestRuntime(t *testing.T) {
	tests := []struct {
		name    string
		in      func(t *testing.T) Input
		want    []string // "severity:code"
		not     []string
		ok      bool
		message string // substring of some finding's message
	}{
		{
			name: "H100 with torch cu121 works",
			in:   func(t *testing.T) Input { return Input{GPUCount: 1, ParentImage: "python:3.11-slim", Probe: h100(t)} },
			ok:   true,
			not:  []string{CodeNoFrameworkCheck, CodeDriverUnknown},
		},
		{
			name:    "step wants more GPUs than the container sees",
			in:      func(t *testing.T) Input { return Input{GPUCount: 2, Probe: h100(t)} },
			want:    []string{"error:" + CodeTooFewGPUs, "error:" + CodeTorchTooFewDevices},
			message: "requests 2 GPU(s) but the container sees 1 (NVIDIA H100 80GB HBM3)",
		},
		{
			name: "no nvidia-smi in the container (real host capture)",
			in: func(t *testing.T) Input {
				return Input{GPUCount: 1, Probe: parseFixture(t, "host-python3.11-gpu-flag-no-nvidia-smi.json")}
			},
			want:    []string{"error:" + CodeNvidiaSMIFailed, "info:" + CodeNoFrameworkCheck},
			message: "No such file or directory: 'nvidia-smi'",
		},
		{
			name: "nvidia-smi lists nothing",
			in: func(t *testing.T) Input {
				p := h100(t)
				p.NvidiaSMI.List.Stdout, p.NvidiaSMI.Query.Stdout = "", ""
				return Input{GPUCount: 1, Probe: p}
			},
			want: []string{"error:" + CodeNoGPUs},
		},
		{
			name: "torch sees no GPU because the driver is too old",
			in: func(t *testing.T) Input {
				p := h100(t)
				p.NvidiaSMI.Query.Stdout = "NVIDIA H100 80GB HBM3, 470.82.01, 81559 MiB\n"
				p.Torch.CUDAAvailable, p.Torch.DeviceCount, p.Torch.Devices, p.Torch.Compute = false, 0, nil, nil
				p.Torch.Warnings = []string{"CUDA initialization: The NVIDIA driver on your system is too old (found version 11040)."}
				return Input{GPUCount: 1, Probe: p}
			},
			want:    []string{"error:" + CodeTorchNoCUDA, "error:" + CodeDriverTooOld},
			message: "its CUDA 12.1 needs driver >= 525.60.13, host has 470.82.01; CUDA initialization: The NVIDIA driver",
		},
		{
			name: "torch sees no GPU for another reason",
			in: func(t *testing.T) Input {
				p := h100(t)
				p.Torch.CUDAAvailable, p.Torch.DeviceCount, p.Torch.Compute = false, 0, nil
				return Input{GPUCount: 1, Probe: p}
			},
			want:    []string{"error:" + CodeTorchNoCUDA},
			not:     []string{CodeDriverTooOld},
			message: "torch gave no reason",
		},
		{
			name: "computation fails",
			in: func(t *testing.T) Input {
				p := h100(t)
				p.Torch.Compute = &TorchCompute{Expected: 262144, Error: "RuntimeError: CUDA error: no kernel image is available for execution on the device"}
				return Input{GPUCount: 1, Probe: p}
			},
			want:    []string{"error:" + CodeTorchComputeFailed},
			message: "no kernel image",
		},
		{
			name: "computation gives a wrong result",
			in: func(t *testing.T) Input {
				p := h100(t)
				bad := 0.0
				p.Torch.Compute = &TorchCompute{Expected: 262144, Result: &bad}
				return Input{GPUCount: 1, Probe: p}
			},
			want:    []string{"error:" + CodeTorchComputeFailed},
			message: "expected 262144, got 0",
		},
		{
			name: "driver from nvidia-smi triggers minor-compat warning",
			in: func(t *testing.T) Input {
				p := h100(t)
				p.NvidiaSMI.Query.Stdout = "NVIDIA H100 80GB HBM3, 525.85.12, 81559 MiB\n"
				return Input{GPUCount: 1, Probe: p}
			},
			want: []string{"warning:" + CodeDriverMinorCompat},
			ok:   true,
		},
		{
			name: "CPU step: runtime check still wants one GPU",
			in:   func(t *testing.T) Input { return Input{GPUCount: 0, Probe: h100(t)} },
			ok:   true,
			not:  []string{CodeCPUStepCUDAImage},
		},
		{
			name: "no probe",
			in: func(*testing.T) Input {
				return Input{GPUCount: 1, ParentImage: "nvidia/cuda:12.1.1-runtime-ubuntu22.04"}
			},
			want: []string{"error:" + CodeProbeMissing},
		},
		{
			name: "probe ran without --gpu",
			in: func(t *testing.T) Input {
				return Input{GPUCount: 1, Probe: parseFixture(t, "synthetic-pytorch-2.2.0-cuda11.8-conda-no-gpu.json")}
			},
			want: []string{"error:" + CodeProbeNotGPU},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Runtime(tt.in(t))
			wantFindings(t, r, tt.want, tt.not)
			if r.OK() != tt.ok {
				t.Errorf("OK() = %v, want %v", r.OK(), tt.ok)
			}
			if tt.message != "" && !strings.Contains(r.String(), tt.message) {
				t.Errorf("no finding mentions %q", tt.message)
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

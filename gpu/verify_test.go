package gpu

import (
	"errors"
	"strings"
	"testing"
)

// TestVerificationVerdict: the runtime check decides on a GPU engine, the static one without,
// and --require-gpu fails without a GPU engine whatever the static verdict.
func TestVerificationVerdict(t *testing.T) {
	torchOnGPU := Input{GPUCount: 1, ParentImage: "python:3.11-slim", Probe: h100(t)}
	cpuOnly := Input{GPUCount: 1, ParentImage: "python:3.11-slim", Requirements: []string{"torch==2.2.0+cpu"}}
	tests := []struct {
		name       string
		v          Verification
		passed     bool
		wantResult string
	}{
		{"static pass, no GPU engine", Verification{Static: Check(torchOnGPU), NoGPUEngine: "gpu support is not enabled"},
			true, "RESULT: PASS (static checks only: no GPU engine)"},
		{"static pass, no GPU engine, GPU required", Verification{Static: Check(torchOnGPU), NoGPUEngine: "gpu support is not enabled", RequireGPU: true},
			false, "RESULT: FAIL (no GPU engine, and --require-gpu was given)"},
		{"static fail, no GPU engine", Verification{Static: Check(cpuOnly), NoGPUEngine: "gpu support is not enabled"},
			false, "RESULT: FAIL\n"},
		{"verified on a GPU", Verification{Static: Check(torchOnGPU), Runtime: Runtime(torchOnGPU), NvidiaSMI: "GPU 0: NVIDIA H100 80GB HBM3\n", RequireGPU: true},
			true, "RESULT: PASS (verified on a GPU)"},
		{"the runtime check decides on a GPU engine", Verification{Static: Check(torchOnGPU), Runtime: Runtime(cpuOnly)},
			false, "RESULT: FAIL\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.v.Subject = "settings.yaml, image of step train (content 0123abcd)"
			if got := tc.v.Passed(); got != tc.passed {
				t.Errorf("Passed() = %v, want %v", got, tc.passed)
			}
			report := tc.v.Report()
			if !strings.Contains(report, tc.wantResult) || !strings.HasPrefix(report, "verify-gpu: settings.yaml, image of step train") {
				t.Errorf("report lacks %q:\n%s", tc.wantResult, report)
			}
			if tc.v.RuntimeRan() == strings.Contains(report, "no GPU engine: this engine cannot attach GPUs") {
				t.Errorf("the report must say \"no GPU engine\" exactly when the runtime check did not run:\n%s", report)
			}
		})
	}
}

func TestVerificationReportsProbeFailures(t *testing.T) {
	v := Verification{Subject: "x", StaticProbeError: errors.New("exit 127: python3: not found"), Static: Check(Input{}),
		RuntimeProbeError: errors.New("probe crashed"), Runtime: Runtime(Input{}), NvidiaSMI: "GPU 0: A\nGPU 1: B\n"}
	report := v.Report()
	for _, want := range []string{"probe: could not run in the image (exit 127: python3: not found)", "probe on GPU failed: probe crashed", "nvidia-smi -L:\n  GPU 0: A\n  GPU 1: B\n"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

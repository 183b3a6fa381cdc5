//go:build integration

package integration

import (
	"path/filepath"
	"strings"
	"testing"
)

// Static checks run in images built here: one carries NVIDIA's CUDA runtime wheel, one has no
// CUDA at all. The GPU path runs for real when the engine has GPUs; otherwise verify-gpu must
// say plainly that there is no GPU engine, never pass as if it had checked.
func TestVerifyGPU(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(repoRoot, "examples", "gpu")

	withWheel := mustCall(t, dir, "verify-gpu", "--config=settings-wheels.yaml", "--source=.", "--driver-version=535.104.05").stdout
	for _, want := range []string{"image CUDA:     12.1", "nvidia-cuda-runtime-cu12", "RESULT: PASS"} {
		if !strings.Contains(withWheel, want) {
			t.Errorf("verify-gpu on the CUDA-wheel image lacks %q:\n%s", want, withWheel)
		}
	}

	cpuOnly := failCall(t, dir, "verify-gpu", "--config=settings-cpu-base.yaml", "--source=.")
	for _, want := range []string{"no-cuda-runtime", "RESULT: FAIL", "fix:"} {
		if !strings.Contains(cpuOnly, want) {
			t.Errorf("verify-gpu of a GPU step on a CPU-only image lacks %q:\n%s", want, tail(cpuOnly, 30))
		}
	}

	required := call(t, dir, "verify-gpu", "--config=settings-wheels.yaml", "--source=.", "--require-gpu")
	if strings.Contains(withWheel, "no GPU engine") {
		if required.err == nil || !strings.Contains(required.log, "no GPU engine") {
			t.Fatalf("without a GPU engine, --require-gpu must fail saying so:\n%s", tail(required.log, 30))
		}
		t.Log("no GPU engine here: the runtime path was checked for its refusal only")
		return
	}
	if required.err != nil || !strings.Contains(required.stdout, "RESULT: PASS (verified on a GPU)") {
		t.Fatalf("on a GPU engine, verify-gpu must run the probe on the GPU:\n%s\n%s", required.stdout, tail(required.log, 30))
	}
}

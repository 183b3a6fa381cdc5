package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"dagger/tests/internal/dagger"
)

// Gpu exercises examples/gpu. settings.yaml's CUDA parent image (pytorch/pytorch) does not
// exist on offline engines, so it is validated and planned only. verify-gpu builds the two
// other settings: the CUDA runtime wheel must pass the static checks (and the GPU check where
// the engine has GPUs), the CPU-only base must fail with no-cuda-runtime and a fix, and
// --require-gpu must fail saying so where the engine has no GPU.
// +cache="never"
func (m *Tests) Gpu(
	ctx context.Context,
	// +defaultPath="/examples"
	examples *dagger.Directory,
) (string, error) {
	src, validatedFiles, err := example(ctx, examples, "gpu")
	if err != nil {
		return "", err
	}
	stepimage := dag.Stepimage()

	validated := validatedFiles["settings.yaml"]
	// Two images: the light pipeline-level one, and train's CUDA image with one GPU.
	if err := expectContains("validate settings.yaml", validated,
		"valid, 2 image(s)", "steps: train", "base: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime, installer: uv, gpus: 1"); err != nil {
		return "", err
	}
	trainPlan, err := stepimage.Plan(ctx, src.File("settings.yaml"), dagger.StepimagePlanOpts{Step: "train"})
	if err != nil {
		return "", fmt.Errorf("plan settings.yaml --step=train: %w", err)
	}
	// The step's installer args (system: null) and its own requirements, which replace the
	// pipeline's list.
	if err := expectContains("plan of step train", trainPlan,
		"start from pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime", "install torchvision==0.19.0 accelerate", "--system"); err != nil {
		return "", err
	}
	if strings.Contains(trainPlan, "pandas") {
		return "", fmt.Errorf("plan of step train installs pandas: a step's requirements replace the pipeline's list\n%s", indent(trainPlan))
	}

	wheels, err := stepimage.VerifyGpu(ctx, src.File("settings-wheels.yaml"), src, dagger.StepimageVerifyGpuOpts{DriverVersion: "535.104.05"})
	if err != nil {
		return "", fmt.Errorf("verify-gpu settings-wheels.yaml: %w", err)
	}
	// settings-wheels.yaml installs nvidia-cuda-runtime-cu12==12.1.105: CUDA 12.1 from the wheel.
	if !regexp.MustCompile(`image CUDA:\s+12\.1`).MatchString(wheels) {
		return "", fmt.Errorf("verify-gpu settings-wheels.yaml did not find CUDA 12.1 from the wheel:\n%s", indent(wheels))
	}
	if err := expectContains("verify-gpu settings-wheels.yaml", wheels, "nvidia-cuda-runtime-cu12", "RESULT: PASS"); err != nil {
		return "", err
	}
	// The verdict says whether a GPU ran the probe; --require-gpu fails unless one did.
	required, requiredErr := stepimage.VerifyGpu(ctx, src.File("settings-wheels.yaml"), src, dagger.StepimageVerifyGpuOpts{RequireGpu: true})
	var mode string
	switch {
	case strings.Contains(wheels, "RESULT: PASS (verified on a GPU)"):
		mode = "verified on a GPU"
		if requiredErr != nil || !strings.Contains(required, "RESULT: PASS (verified on a GPU)") {
			return "", fmt.Errorf("on a GPU engine, verify-gpu --require-gpu must run the probe on the GPU: %v\n%s", requiredErr, indent(required))
		}
	case strings.Contains(wheels, "no GPU engine") && strings.Contains(wheels, "RESULT: PASS (static checks only: no GPU engine)"):
		mode = "static checks only (no GPU engine), --require-gpu refused"
		if err := expectError("verify-gpu settings-wheels.yaml --require-gpu without a GPU engine", requiredErr, "no GPU engine"); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("verify-gpu settings-wheels.yaml passed without saying whether it ran on a GPU:\n%s", indent(wheels))
	}

	_, err = stepimage.VerifyGpu(ctx, src.File("settings-cpu-base.yaml"), src)
	if err := expectError("verify-gpu settings-cpu-base.yaml (a GPU step on a CPU-only image)", err, "no-cuda-runtime", "RESULT: FAIL", "fix:"); err != nil {
		return "", err
	}
	return "validate/plan of the CUDA pipeline; verify-gpu: wheel image PASS, " + mode + "; CPU base FAIL no-cuda-runtime with a fix", nil
}

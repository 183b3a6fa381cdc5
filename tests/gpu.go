package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"dagger/tests/internal/dagger"
)

// GpuStatic exercises examples/gpu. settings.yaml's CUDA parent image (pytorch/pytorch) does
// not exist on offline engines, so it is validated and planned only. verify-gpu builds the two
// other settings: the CUDA runtime wheel must pass the static checks (and the GPU check where
// the engine has GPUs), the CPU-only base must fail with no-cuda-runtime.
// +cache="never"
func (m *Tests) GpuStatic(
	ctx context.Context,
	// +defaultPath="/examples"
	examples *dagger.Directory,
) (string, error) {
	src := examples.Directory("gpu")
	stepimage := dag.Stepimage()

	validated, err := stepimage.Validate(ctx, src.File("settings.yaml"), dagger.StepimageValidateOpts{Source: src})
	if err != nil {
		return "", fmt.Errorf("validate settings.yaml: %w", err)
	}
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

	wheels, err := stepimage.VerifyGpu(ctx, src.File("settings-wheels.yaml"), dagger.StepimageVerifyGpuOpts{Source: src, DriverVersion: "535.104.05"})
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
	var mode string
	switch {
	case strings.Contains(wheels, "RESULT: PASS (verified on a GPU)"):
		mode = "verified on a GPU"
	case strings.Contains(wheels, "no GPU engine") && strings.Contains(wheels, "RESULT: PASS (static checks only: no GPU engine)"):
		mode = "static checks only (no GPU engine)"
	default:
		return "", fmt.Errorf("verify-gpu settings-wheels.yaml passed without saying whether it ran on a GPU:\n%s", indent(wheels))
	}

	_, err = stepimage.VerifyGpu(ctx, src.File("settings-cpu-base.yaml"), dagger.StepimageVerifyGpuOpts{Source: src})
	if err := expectError("verify-gpu settings-cpu-base.yaml (a GPU step on a CPU-only image)", err, "no-cuda-runtime", "RESULT: FAIL"); err != nil {
		return "", err
	}
	return "validate/plan of the CUDA pipeline; verify-gpu: wheel image PASS, " + mode + "; CPU base FAIL no-cuda-runtime", nil
}

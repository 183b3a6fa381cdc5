package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"dagger/stepimage/gpu"
	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/internal/text"
	"dagger/stepimage/settings"
)

// VerifyGpu builds a step's image, as build and publish do, and checks that it works on a GPU.
// Static checks always run: the probe runs in the image without a GPU (CUDA runtime present?
// which CUDA does the framework expect? is the driver new enough?). When the engine has GPU
// support, the probe runs again with every GPU attached (nvidia-smi -L, device count and name,
// a small computation on the device), never from the cache. Without a GPU engine the report
// says "no GPU engine" and gives the static verdict only. Fails when an error is found (or,
// with --require-gpu, when no GPU engine).
// +cache="never"
func (m *Stepimage) VerifyGpu(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory, e.g. --source=. : copied to /app; relative paths in the settings resolve against it.
	source *dagger.Directory,
	// Step whose image to verify; empty for the pipeline-level settings.
	// +optional
	step string,
	// Driver version of the GPU hosts (e.g. 535.104.05), to check CUDA compatibility without a GPU.
	// +optional
	driverVersion string,
	// Fail unless the runtime check ran on a GPU engine.
	// +optional
	requireGpu bool,
	// Export of the local Python environment (pip freeze output), when replicate_local_python_environment is set.
	// +optional
	localEnvironment *dagger.File,
	// The stack's requirements, installed when install_stack_requirements is true. Commas split list items: use stack-requirements-file for specifiers with commas.
	// +optional
	stackRequirements []string,
	// The stack's requirements as a file, one per line.
	// +optional
	stackRequirementsFile *dagger.File,
) (_ string, rerr error) {
	defer reported(&rerr)
	pr, err := m.prepare(ctx, request{config: config, source: source, step: step, localEnvironment: localEnvironment,
		stackRequirements: stackRequirements, stackRequirementsFile: stackRequirementsFile})
	if err != nil {
		return "", err
	}
	ctr, err := pr.build(ctx)
	if err != nil {
		return "", err
	}
	r := pr.resolved
	input := gpu.Input{GPUCount: r.Resources.GPUCount, ParentImage: r.ParentImage, Requirements: r.Requirements, DriverVersion: driverVersion}
	if input.ImageEnv, err = imageEnv(ctx, ctr); err != nil {
		return "", err
	}
	v := gpu.Verification{
		Subject:    fmt.Sprintf("%s, image of %s (content %s)", pr.cfg.File, stepLabel(r), shortDigest(pr.image.ContentDigest)),
		RequireGPU: requireGpu,
	}
	// The probe is mounted, not copied: verifying must not change the image.
	probed := ctr.WithUser("0").WithMountedFile(probePath, dag.Directory().WithNewFile("probe.py", string(gpu.ProbeScript())).File("probe.py"))
	input.Probe, v.StaticProbeError = runProbe(ctx, probed, false)
	v.Static = gpu.Check(input)

	// A unique value makes the exec new each time: a cached GPU check proves nothing.
	onGPU := probed.ExperimentalWithAllGPUs().WithEnvVariable("STEPIMAGE_VERIFY_AT", time.Now().UTC().Format(time.RFC3339Nano))
	smi, err := onGPU.WithExec([]string{"nvidia-smi", "-L"}).Stdout(ctx)
	switch {
	case err != nil && noGPUEngine(err):
		v.NoGPUEngine = errorLine(err)
	default:
		v.NvidiaSMI = smi
		input.Probe, v.RuntimeProbeError = runProbe(ctx, onGPU, true)
		v.Runtime = gpu.Runtime(input)
	}
	if !v.Passed() {
		return "", errors.New(v.Report())
	}
	return v.Report(), nil
}

const probePath = "/tmp/stepimage-gpu-probe.py"

func runProbe(ctx context.Context, ctr *dagger.Container, withGPU bool) (*gpu.ProbeReport, error) {
	argv := []string{"python3", probePath}
	if withGPU {
		argv = append(argv, "--gpu")
	}
	out, err := ctr.WithExec(argv).Stdout(ctx)
	if err != nil {
		var execErr *dagger.ExecError
		if errors.As(err, &execErr) {
			return nil, fmt.Errorf("running the probe (exit %d): %s", execErr.ExitCode, strings.Join(text.LastLines(execErr.Stderr, 5), " / "))
		}
		return nil, fmt.Errorf("running the probe: %w", err)
	}
	return gpu.ParseProbe([]byte(out))
}

// noGPUEngine recognises the engine's refusals to attach GPUs: support switched off, or no
// NVIDIA container toolkit on the engine host.
func noGPUEngine(err error) bool {
	var execErr *dagger.ExecError
	if errors.As(err, &execErr) {
		// The exec ran and failed (e.g. no nvidia-smi in the image): the engine did attach GPUs.
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "gpu support is not enabled") || strings.Contains(msg, "nvidia-container-runtime-hook")
}

func imageEnv(ctx context.Context, ctr *dagger.Container) (map[string]string, error) {
	vars, err := ctr.EnvVariables(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading image environment: %w", err)
	}
	env := map[string]string{}
	for _, v := range vars {
		name, err := v.Name(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading image environment: %w", err)
		}
		value, err := v.Value(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading image environment: %w", err)
		}
		env[name] = value
	}
	return env, nil
}

func stepLabel(r *settings.Resolved) string {
	if len(r.Steps) == 0 {
		return "the pipeline-level settings"
	}
	return "step " + strings.Join(r.Steps, ", ")
}

func shortDigest(digest string) string {
	if len(digest) > 16 {
		return digest[:16]
	}
	return digest
}

// errorLine is an engine error's first line, without the trace id the engine appends: it
// means nothing to the reader.
func errorLine(err error) string {
	line, _, _ := strings.Cut(text.FirstLine(strings.TrimSpace(err.Error())), " [traceparent:")
	return line
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"dagger/stepimage/gpu"
	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/layers"
	"dagger/stepimage/settings"
)

const probePath = "/tmp/stepimage-gpu-probe.py"

// VerifyGpu builds a step's image and checks that it works on a GPU. Static checks always run:
// the probe runs in the image without a GPU (CUDA runtime present? which CUDA does the framework
// expect? is the driver new enough?). When the engine has GPU support, the probe runs again with
// every GPU attached (nvidia-smi -L, device count and name, a small computation on the device),
// never from the cache. Without a GPU engine the report says "no GPU engine" and gives the
// static verdict only. Fails when an error is found (or, with --require-gpu, when no GPU engine).
// +cache="never"
func (m *Stepimage) VerifyGpu(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory.
	// +defaultPath="/"
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
	// Export of the local Python environment, when replicate_local_python_environment is set.
	// +optional
	localEnvironment *dagger.File,
) (string, error) {
	cfg, resolved, _, err := m.resolve(ctx, config, step, m.vars())
	if err != nil {
		return "", err
	}
	build, err := m.prepareResolved(ctx, cfg, resolved, source, localEnvironment, nil)
	if err != nil {
		return "", err
	}
	ctr, err := build.Container().Sync(ctx)
	if err != nil {
		return "", layers.Explain(err, build.Plan)
	}
	input := gpu.Input{
		GPUCount:      resolved.Resources.GPUCount,
		ParentImage:   resolved.ParentImage,
		Requirements:  resolved.Requirements,
		DriverVersion: driverVersion,
	}
	if input.ImageEnv, err = imageEnv(ctx, ctr); err != nil {
		return "", err
	}
	// The probe is mounted, not copied: verifying must not change the image.
	probed := ctr.WithUser("0").WithMountedFile(probePath, dag.Directory().WithNewFile("probe.py", string(gpu.ProbeScript())).File("probe.py"))

	var b strings.Builder
	fmt.Fprintf(&b, "verify-gpu: %s, image of %s (content %s)\n", cfg.File, stepLabel(resolved), shortDigest(build.ContentDigest))
	staticProbe, err := runProbe(ctx, probed, false)
	if err != nil {
		fmt.Fprintf(&b, "probe: could not run in the image (%v); checks use the settings only\n", err)
	} else {
		input.Probe = staticProbe
	}
	static := gpu.Check(input)
	b.WriteString("\n== static checks (no GPU needed)\n" + static.String() + "\n")

	verdict := static
	b.WriteString("\n== runtime check on a GPU engine\n")
	// A unique value makes the exec new each time: a cached GPU check proves nothing.
	onGPU := probed.ExperimentalWithAllGPUs().WithEnvVariable("STEPIMAGE_VERIFY_AT", time.Now().UTC().Format(time.RFC3339Nano))
	smi, smiErr := onGPU.WithExec([]string{"nvidia-smi", "-L"}).Stdout(ctx)
	runtimeRan := false
	switch {
	case smiErr != nil && noGPUEngine(smiErr):
		fmt.Fprintf(&b, "no GPU engine: this engine cannot attach GPUs (%s).\nOnly the static checks above ran; run verify-gpu against an engine started with GPU support (hack/engine.sh enables it when the NVIDIA container toolkit is installed).\n", firstLine(smiErr))
	default:
		runtimeRan = true
		if smiErr == nil {
			b.WriteString("nvidia-smi -L:\n" + indent(smi))
		}
		runtimeProbe, err := runProbe(ctx, onGPU, true)
		if err != nil {
			fmt.Fprintf(&b, "probe on GPU failed: %v\n", err)
			input.Probe = nil
		} else {
			input.Probe = runtimeProbe
		}
		verdict = gpu.Runtime(input)
		b.WriteString(verdict.String() + "\n")
	}

	switch {
	case !verdict.OK():
		b.WriteString("\nRESULT: FAIL\n")
		return "", errors.New(b.String())
	case requireGpu && !runtimeRan:
		b.WriteString("\nRESULT: FAIL (no GPU engine, and --require-gpu was given)\n")
		return "", errors.New(b.String())
	case !runtimeRan:
		b.WriteString("\nRESULT: PASS (static checks only: no GPU engine)\n")
	default:
		b.WriteString("\nRESULT: PASS (verified on a GPU)\n")
	}
	return b.String(), nil
}

func runProbe(ctx context.Context, ctr *dagger.Container, withGPU bool) (*gpu.ProbeReport, error) {
	argv := []string{"python3", probePath}
	if withGPU {
		argv = append(argv, "--gpu")
	}
	out, err := ctr.WithExec(argv).Stdout(ctx)
	if err != nil {
		var execErr *dagger.ExecError
		if errors.As(err, &execErr) {
			return nil, fmt.Errorf("running the probe (exit %d): %s", execErr.ExitCode, lastLines(execErr.Stderr, 5))
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

func firstLine(err error) string {
	line, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
	// The engine appends its trace id; it means nothing to the reader.
	line, _, _ = strings.Cut(line, " [traceparent:")
	return line
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}

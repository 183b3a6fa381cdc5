package gpu

import (
	"fmt"
	"strings"

	"dagger/stepimage/internal/text"
)

// Verification is what verify-gpu saw of one image: the static checks, and the run on a GPU
// engine when there was one. Report renders it and Passed gives the verdict.
type Verification struct {
	// Subject names the image, e.g. "settings.yaml, image of step train (content 0123abcd)".
	Subject string
	// StaticProbeError is why the probe could not run in the image (the checks then use the
	// settings only).
	StaticProbeError error
	Static           Report
	// NoGPUEngine, when set, is why the engine could not attach GPUs: the runtime check did not run.
	NoGPUEngine string
	// NvidiaSMI is `nvidia-smi -L` on the GPU engine.
	NvidiaSMI string
	// RuntimeProbeError is why the probe failed on the GPU engine.
	RuntimeProbeError error
	Runtime           Report
	// RequireGPU fails the verification when no GPU engine ran it.
	RequireGPU bool
}

// RuntimeRan reports whether the probe ran on a GPU engine.
func (v Verification) RuntimeRan() bool { return v.NoGPUEngine == "" }

// Passed is the verdict: the runtime check's on a GPU engine, else the static one's, failing
// without a GPU engine when one was required.
func (v Verification) Passed() bool {
	if !v.RuntimeRan() {
		return v.Static.OK() && !v.RequireGPU
	}
	return v.Runtime.OK()
}

// Report renders the checks and the verdict for people.
func (v Verification) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "verify-gpu: %s\n", v.Subject)
	if v.StaticProbeError != nil {
		fmt.Fprintf(&b, "probe: could not run in the image (%v); checks use the settings only\n", v.StaticProbeError)
	}
	b.WriteString("\n== static checks (no GPU needed)\n" + v.Static.String() + "\n")
	b.WriteString("\n== runtime check on a GPU engine\n")
	if !v.RuntimeRan() {
		fmt.Fprintf(&b, "no GPU engine: this engine cannot attach GPUs (%s).\nOnly the static checks above ran; run verify-gpu against an engine started with GPU support (hack/engine.sh enables it when the NVIDIA container toolkit is installed).\n", v.NoGPUEngine)
	} else {
		if v.NvidiaSMI != "" {
			b.WriteString("nvidia-smi -L:\n" + text.Indent(v.NvidiaSMI, "  "))
		}
		if v.RuntimeProbeError != nil {
			fmt.Fprintf(&b, "probe on GPU failed: %v\n", v.RuntimeProbeError)
		}
		b.WriteString(v.Runtime.String() + "\n")
	}
	b.WriteString("\nRESULT: " + v.result() + "\n")
	return b.String()
}

func (v Verification) result() string {
	switch {
	case !v.RuntimeRan() && !v.Static.OK(), v.RuntimeRan() && !v.Runtime.OK():
		return "FAIL"
	case !v.RuntimeRan() && v.RequireGPU:
		return "FAIL (no GPU engine, and --require-gpu was given)"
	case !v.RuntimeRan():
		return "PASS (static checks only: no GPU engine)"
	default:
		return "PASS (verified on a GPU)"
	}
}

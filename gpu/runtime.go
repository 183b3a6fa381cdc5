package gpu

import (
	"fmt"
	"strings"
)

// Runtime judges a probe that ran WITH GPU access ("probe.py --gpu" in a
// container given the host's GPUs). It returns the static findings of Check
// (the GPU probe holds everything a plain probe does) plus runtime findings:
// nvidia-smi lists at least one GPU, and at least in.GPUCount of them; torch,
// when installed, sees the GPUs and computes on cuda:0.
//
// When in.DriverVersion is empty the driver reported by nvidia-smi is used, so
// driver rules apply with the real host driver. A GPUCount of 0 is judged as 1:
// whoever runs the runtime check wants to know that a GPU works.
func Runtime(in Input) Report {
	p := in.Probe
	want := max(in.GPUCount, 1)
	if in.GPUCount < 1 {
		in.GPUCount = 1
	}
	r := Check(in)
	add := func(sev Severity, code, fix, format string, args ...any) {
		r.Findings = append(r.Findings, Finding{Severity: sev, Code: code, Message: fmt.Sprintf(format, args...), Fix: fix})
	}
	if p == nil {
		add(SeverityError, CodeProbeMissing, "run probe.py --gpu in the built image and pass its output",
			"no probe output to judge")
		return r
	}
	if p.NvidiaSMI == nil {
		add(SeverityError, CodeProbeNotGPU, "run the probe with --gpu in a container that has GPU access",
			"the probe ran without --gpu, so nothing about the GPUs was checked")
		return r
	}
	smi := p.NvidiaSMI
	gpus := smi.GPUs()
	if !smi.List.OK() && len(gpus) == 0 {
		add(SeverityError, CodeNvidiaSMIFailed, fixEngineGPU,
			"nvidia-smi -L failed in the container: %s (nvidia-smi and the driver libraries are mounted by the "+
				"NVIDIA Container Toolkit only when the container is given GPUs)", smi.List.Problem())
	} else if len(gpus) == 0 {
		add(SeverityError, CodeNoGPUs, fixEngineGPU, "nvidia-smi ran but lists no GPU")
	} else if len(gpus) < want {
		add(SeverityError, CodeTooFewGPUs, "give the container more GPUs, or lower resources.gpu_count",
			"the step requests %d GPU(s) but the container sees %d (%s)", want, len(gpus), gpuNames(gpus))
	}

	a := analyze(in)
	t := p.Torch
	switch {
	case t == nil || !t.Installed:
		if len(a.frameworks) == 0 {
			add(SeverityInfo, CodeNoFrameworkCheck, "",
				"no torch in the image: only nvidia-smi was checked, not that a framework computes on the GPU")
		} else {
			f, _ := a.primary()
			add(SeverityInfo, CodeNoFrameworkCheck, "",
				"the probe computes with torch only; %s was not exercised on the GPU", f.label())
		}
	case !t.Imported:
		// Check already reported torch-import-failed.
	case t.CUDA == nil:
		// Check already reported the CPU-only build.
	case !t.CUDAAvailable:
		add(SeverityError, CodeTorchNoCUDA, torchNoCUDAFix(a, *t.CUDA),
			"torch %s (CUDA %s) sees no GPU: %s", t.Version, *t.CUDA, torchNoCUDAReason(a, t))
	default:
		if t.DeviceCount < want {
			add(SeverityError, CodeTorchTooFewDevices,
				"check CUDA_VISIBLE_DEVICES/NVIDIA_VISIBLE_DEVICES in the image and how many GPUs the container is given",
				"torch sees %d device(s), the step requests %d", t.DeviceCount, want)
		}
		switch c := t.Compute; {
		case c == nil:
			add(SeverityError, CodeTorchComputeFailed, "rerun the probe with --gpu; if it persists, report it with the probe output",
				"torch reports CUDA available but the probe ran no computation")
		case !c.OK:
			got := "no result"
			if c.Result != nil {
				got = fmt.Sprintf("%g", *c.Result)
			}
			add(SeverityError, CodeTorchComputeFailed,
				"a kernel failing to run usually means torch was not built for this GPU's architecture "+
					"(use a newer torch/CUDA build) or the driver is too old",
				"a 64x64 matmul on cuda:0 failed: %s (expected %g, got %s)", orUnknown(c.Error), c.Expected, got)
		}
	}
	return r
}

func torchNoCUDAReason(a analysis, t *TorchInfo) string {
	var why []string
	if a.driver != "" {
		if v, req := JudgeDriver(*t.CUDA, a.driver); v == DriverTooOld {
			why = append(why, fmt.Sprintf("its CUDA %s needs driver >= %s, host has %s",
				CUDAMajorMinor(*t.CUDA), orUnknown(req.MinorCompat, req.Full), a.driver))
		}
	}
	if t.CUDAError != "" {
		why = append(why, t.CUDAError)
	}
	why = append(why, t.Warnings...)
	if len(why) == 0 {
		return "torch.cuda.is_available() is False and torch gave no reason"
	}
	return strings.Join(why, "; ")
}

func torchNoCUDAFix(a analysis, cuda string) string {
	if a.driver != "" {
		if v, req := JudgeDriver(cuda, a.driver); v == DriverTooOld {
			return fmt.Sprintf("upgrade the host driver to >= %s, or install a torch build for a CUDA the driver supports",
				orUnknown(req.Full, req.MinorCompat))
		}
	}
	return "make sure the container is given the GPUs (NVIDIA_VISIBLE_DEVICES, engine GPU support) " +
		"and that the torch build supports this GPU's architecture"
}

func gpuNames(gpus []GPU) string {
	names := make([]string, len(gpus))
	for i, g := range gpus {
		names[i] = g.Name
	}
	return strings.Join(names, ", ")
}

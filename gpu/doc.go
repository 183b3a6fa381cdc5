// Package gpu judges whether a built step image will work on a GPU, without
// talking to the Dagger engine.
//
// A ZenML step that asks for GPUs (resources.gpu_count > 0) needs an image with a
// CUDA runtime that its framework can use and that the host's NVIDIA driver
// supports. Requesting a GPU alone is not enough, and the usual failure is silent:
// a CPU-only torch wheel or a missing libcudart makes training run on the CPU.
// This package catches those cases in two stages:
//
//   - Static ([Check]): from the step's gpu_count, the parent image reference, the
//     image's config env, the resolved requirements and, when available, the output
//     of the probe run in the built image WITHOUT a GPU. No GPU is needed, so it
//     runs on every build and in unit tests.
//   - Runtime ([Runtime]): judges a probe that ran WITH GPU access ("probe.py
//     --gpu"): nvidia-smi must list GPUs, torch must see them and compute on them.
//
// The probe ([ProbeScript], probe.py) is a standalone stdlib-only Python script
// that prints one JSON object; [ParseProbe] turns it into a [ProbeReport]. Keeping
// the script dumb and the judgement in Go means the rules are unit-tested here and
// the script only has to report facts.
//
// Driver requirements come from NVIDIA's table in the CUDA Toolkit release notes;
// see drivers.go and docs/gpu.md.
package gpu

package gpu

import (
	"reflect"
	"testing"
)

func TestImageCUDAFromRef(t *testing.T) {
	tests := []struct {
		ref     string
		version string
		present bool
	}{
		{"pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime", "11.8", true},
		{"pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime", "12.1", true},
		{"pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel", "12.4", true},
		{"nvidia/cuda:12.1.1-runtime-ubuntu22.04", "12.1.1", true},
		{"nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04", "11.8.0", true},
		{"nvcr.io/nvidia/cuda:12.4.1-base-ubi8", "12.4.1", true},
		{"docker.io/nvidia/cuda:12.1.1-devel-ubuntu22.04@sha256:abcd", "12.1.1", true},
		{"registry:5000/team/base:py311-cuda12.1.1", "12.1.1", true},
		{"ghcr.io/acme/train:1.0-cu121", "12.1", true},
		{"tensorflow/tensorflow:2.15.0-gpu", "", true},
		{"nvcr.io/nvidia/pytorch:24.01-py3", "", true},
		{"python:3.11-slim", "", false},
		{"python", "", false},
		{"localhost:5000/python", "", false},
		{"zenmldocker/zenml:0.60.0-py3.11", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		v, p := imageCUDAFromRef(tt.ref)
		if v != tt.version || p != tt.present {
			t.Errorf("imageCUDAFromRef(%q) = %q, %v; want %q, %v", tt.ref, v, p, tt.version, tt.present)
		}
	}
}

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in   string
		want requirement
		ok   bool
	}{
		{"torch==2.2.0", requirement{Name: "torch", Pinned: "2.2.0"}, true},
		{"torch==2.2.0+cu121", requirement{Name: "torch", Pinned: "2.2.0+cu121"}, true},
		{"torch>=2,<3", requirement{Name: "torch"}, true},
		{"jax[cuda12]", requirement{Name: "jax", Extras: []string{"cuda12"}}, true},
		{"JAX[cuda12_local] >= 0.4.30 ; python_version >= '3.10'", requirement{Name: "jax", Extras: []string{"cuda12_local"}}, true},
		{"Cupy_CUDA12x[ctk]==13.3.0", requirement{Name: "cupy-cuda12x", Extras: []string{"ctk"}, Pinned: "13.3.0"}, true},
		{"torch @ https://download.pytorch.org/whl/cu121/torch-2.2.0%2Bcu121-cp311-cp311-linux_x86_64.whl",
			requirement{Name: "torch", URL: "https://download.pytorch.org/whl/cu121/torch-2.2.0%2Bcu121-cp311-cp311-linux_x86_64.whl"}, true},
		{"--extra-index-url https://download.pytorch.org/whl/cu121", requirement{Options: true}, true},
		{"# comment", requirement{}, false},
		{"", requirement{}, false},
	}
	for _, tt := range tests {
		got, ok := parseRequirement(tt.in)
		got.Raw = ""
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseRequirement(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFrameworkFlavorFromRequirements(t *testing.T) {
	tests := []struct {
		reqs    []string
		name    string
		kind    string
		cuda    string
		bundled bool
	}{
		{[]string{"torch==2.4.0+cu121"}, "torch", flavorCUDA, "12.1", true},
		{[]string{"torch==2.2.0+cpu"}, "torch", flavorCPU, "", false},
		{[]string{"torch==2.3.0+rocm6.0"}, "torch", flavorOther, "", false},
		{[]string{"--index-url https://download.pytorch.org/whl/cpu", "torch==2.4.0"}, "torch", flavorCPU, "", false},
		{[]string{"--extra-index-url https://download.pytorch.org/whl/cu118", "torch"}, "torch", flavorCUDA, "11.8", true},
		{[]string{"torch @ https://download.pytorch.org/whl/cu121/torch-2.2.0%2Bcu121-cp311-cp311-linux_x86_64.whl"}, "torch", flavorCUDA, "12.1", true},
		{[]string{"torch==2.4.0"}, "torch", "", "", false}, // PyPI default: unknown until probed
		{[]string{"jax[cuda12]"}, "jax", flavorCUDA, "12", true},
		{[]string{"jax[cuda12_pip]==0.4.20"}, "jax", flavorCUDA, "12", true},
		{[]string{"jax[cuda12_local]"}, "jax", flavorCUDA, "12", false},
		{[]string{"jax"}, "jax", flavorCPU, "", false},
		{[]string{"jax", "jax-cuda12-plugin[with-cuda]"}, "jax", flavorCUDA, "12", true},
		{[]string{"cupy-cuda12x"}, "cupy-cuda12x", flavorCUDA, "12", false},
		{[]string{"cupy-cuda12x[ctk]"}, "cupy-cuda12x", flavorCUDA, "12", true},
		{[]string{"cupy-cuda11x", "nvidia-cuda-runtime-cu11"}, "cupy-cuda11x", flavorCUDA, "11", true},
		{[]string{"cupy-cuda117"}, "cupy-cuda117", flavorCUDA, "11.7", false},
		{[]string{"tensorflow[and-cuda]==2.16.1"}, "tensorflow", flavorCUDA, "", true},
		{[]string{"tensorflow-cpu"}, "tensorflow-cpu", flavorCPU, "", false},
	}
	for _, tt := range tests {
		fws := detectFrameworks(newSources(Input{Requirements: tt.reqs}))
		if len(fws) == 0 {
			t.Errorf("%v: no framework", tt.reqs)
			continue
		}
		f := fws[0]
		if f.Name != tt.name || f.Flavor.Kind != tt.kind || f.Flavor.CUDA != tt.cuda || f.Bundled != tt.bundled {
			t.Errorf("%v: got %s kind=%q cuda=%q bundled=%v; want %s kind=%q cuda=%q bundled=%v",
				tt.reqs, f.Name, f.Flavor.Kind, f.Flavor.CUDA, f.Bundled, tt.name, tt.kind, tt.cuda, tt.bundled)
		}
	}
}

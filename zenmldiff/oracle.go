package zenmldiff

import (
	"encoding/json"
	"fmt"
	"os"
)

// Oracle is what hack/zenml/dockerfiles.py wrote: ZenML's Dockerfiles and refusals.
type Oracle struct {
	ZenMLVersion  string `json:"zenml_version"`
	PythonVersion string `json:"python_version"`
	// DockerSettingsFields are the fields of ZenML's DockerSettings.
	DockerSettingsFields []string       `json:"docker_settings_fields"`
	Configs              []OracleConfig `json:"configs"`
}

// OracleConfig is one run configuration as ZenML compiled it.
type OracleConfig struct {
	Path    string            `json:"path"`
	AbsPath string            `json:"abspath"`
	Vars    map[string]string `json:"vars"`
	// StubbedFiles are files the configuration names that were missing (corpus files come
	// without their projects): ZenML saw placeholders, so stepimage must not check files.
	StubbedFiles []string `json:"stubbed_files"`
	Steps        []string `json:"steps"`
	// Error is ZenML's refusal of the whole configuration (compiling failed).
	Error string `json:"error"`
	// ErrorScope says what Error is about: "docker" (the Docker settings) or "run-config"
	// (other fields of the run configuration, which stepimage ignores).
	ErrorScope string        `json:"error_scope"`
	Images     []OracleImage `json:"images"`
}

// OracleImage is one image ZenML would build: the pipeline's (Step "") or a step's.
type OracleImage struct {
	Step           string   `json:"step"`
	Steps          []string `json:"steps"`
	SameAsPipeline bool     `json:"same_as_pipeline"`
	SkipBuild      bool     `json:"skip_build"`
	// ParentImage is the merged parent_image setting ("" when unset).
	ParentImage string `json:"parent_image"`
	// Image is the image the steps run in: the target, or the parent (tagged) used as is.
	Image string `json:"image"`
	// Builds are the images ZenML builds, a dockerfile parent first.
	Builds []string `json:"builds"`
	// Dockerfile is nil when ZenML builds nothing (skip_build, or a parent used as is).
	Dockerfile *string `json:"dockerfile"`
	// Files are the requirement files ZenML generated (.zenml_*), by name.
	Files map[string]string `json:"files"`
	// Error is ZenML's refusal to build this image.
	Error string `json:"error"`
}

// ReadOracle reads the JSON written by hack/zenml/dockerfiles.py.
func ReadOracle(path string) (*Oracle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading ZenML's Dockerfiles: %w", err)
	}
	var o Oracle
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	return &o, nil
}

// ZenMLDockerfile is the Dockerfile ZenML's image amounts to: the generated one, or `FROM
// image` when ZenML builds nothing and runs the steps in the image as it is.
func (img OracleImage) ZenMLDockerfile() string {
	if img.Dockerfile != nil {
		return *img.Dockerfile
	}
	if img.ParentImage != "" {
		return "FROM " + img.ParentImage + "\n"
	}
	return "FROM " + img.Image + "\n"
}

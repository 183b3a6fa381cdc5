package plan

import (
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"

	"dagger/stepimage/settings"
)

func TestBuildFullPlanFollowsZenMLLayerOrder(t *testing.T) {
	p := mustBuild(t, fullResolved(), fullInputs())
	want := []Kind{
		KindParent, KindBuildEnv, KindApt, KindInstaller, KindLocalEnv, KindStack,
		KindIntegrations, KindPyproject, KindRequirements, KindZenMLEnv, KindCode, KindLocalInstall,
		KindUser, KindRuntimeEnv, KindLabels,
	}
	if got := kinds(p); !slices.Equal(got, want) {
		t.Fatalf("layer order:\n got  %v\n want %v", got, want)
	}
	for i, l := range p.Layers {
		if l.Summary == "" {
			t.Errorf("layer %d (%s) has no summary", i, l.Kind)
		}
		if len(l.InvalidatedBy) == 0 {
			t.Errorf("layer %d (%s) names nothing that invalidates it", i, l.Kind)
		}
	}
	if p.Settings == nil || p.Settings.ParentImage != "python:3.12-slim" {
		t.Errorf("plan.Settings is not the resolved settings passed in: %+v", p.Settings)
	}
}

func TestBuildFullPlanLayerContents(t *testing.T) {
	r := fullResolved()
	p := mustBuild(t, r, fullInputs())
	uvInstall := func(file string) []string {
		return []string{"uv", "pip", "install", "--system", "--system-certs", "--cache-dir=/var/cache/stepimage/uv", "--link-mode=copy", "-r", file}
	}

	t.Run("parent", func(t *testing.T) {
		l := mustFind(t, p, KindParent)
		if l.Image != "python:3.12-slim" {
			t.Errorf("Image = %q, want python:3.12-slim", l.Image)
		}
	})
	t.Run("build-env", func(t *testing.T) {
		l := mustFind(t, p, KindBuildEnv)
		if !reflect.DeepEqual(l.Env, r.Environment) {
			t.Errorf("Env = %+v, want %+v", l.Env, r.Environment)
		}
		if !strings.Contains(l.Summary, "TOKEN (secret)") {
			t.Errorf("summary %q should flag the secret variable as secret", l.Summary)
		}
	})
	t.Run("apt", func(t *testing.T) {
		l := mustFind(t, p, KindApt)
		// User packages in the written order (ZenML's sklearn and xgboost add none).
		wantArgv(t, "apt packages", l.Packages, []string{"git", "curl"})
		wantArgv(t, "apt command", lastExec(t, l).Argv, aptExec("2025-w01", []string{"git", "curl"}).Argv)
	})
	t.Run("installer", func(t *testing.T) {
		l := mustFind(t, p, KindInstaller)
		wantArgv(t, "installer command", lastExec(t, l).Argv, []string{"pip", "install", "--cache-dir=/var/cache/stepimage/pip", UVRequirement})
		if !strings.HasPrefix(UVRequirement, "uv==") {
			t.Errorf("UVRequirement %q is not pinned with ==", UVRequirement)
		}
	})
	installs := []struct {
		kind     Kind
		file     string
		packages []string
		source   string
	}{
		{KindLocalEnv, "/run/stepimage/local-environment.txt", nil, ""},
		{KindStack, "/run/stepimage/stack-requirements.txt", []string{"boto3", "s3fs"}, ""},
		{KindIntegrations, "/run/stepimage/integration-requirements.txt", []string{"scikit-learn", "xgboost>=1.0.0"}, ""},
		{KindPyproject, "/run/stepimage/pyproject-requirements.txt", nil, "pyproject.toml"},
		{KindRequirements, "/run/stepimage/requirements.txt", []string{"torch==2.3.0", "numpy<2"}, ""},
	}
	for _, tc := range installs {
		t.Run(string(tc.kind), func(t *testing.T) {
			l := mustFind(t, p, tc.kind)
			if l.RequirementsFile != tc.file {
				t.Errorf("RequirementsFile = %q, want %q", l.RequirementsFile, tc.file)
			}
			if !strings.HasPrefix(l.RequirementsFile, InputsDir+"/") {
				t.Errorf("RequirementsFile %q is not under %s", l.RequirementsFile, InputsDir)
			}
			wantArgv(t, "install command", lastExec(t, l).Argv, uvInstall(tc.file))
			wantArgv(t, "packages", l.Packages, tc.packages)
			if l.SourceFile != tc.source {
				t.Errorf("SourceFile = %q, want %q", l.SourceFile, tc.source)
			}
			if !slices.Contains(l.InvalidatedBy, "python_package_installer(_args)") {
				t.Errorf("InvalidatedBy %q should name the installer settings", l.InvalidatedBy)
			}
		})
	}
	t.Run("pyproject export", func(t *testing.T) {
		l := mustFind(t, p, KindPyproject)
		export := l.Execs[0]
		if !export.Scratch || export.Stdout != l.RequirementsFile {
			t.Errorf("export exec = %+v, want a scratch exec writing %s", export, l.RequirementsFile)
		}
		wantArgv(t, "export", export.Argv, p.pyprojectExportExec(l.RequirementsFile).Argv)
	})
	t.Run("code", func(t *testing.T) {
		l := mustFind(t, p, KindCode)
		if l.SourceFile != "" {
			t.Errorf("code layer SourceFile = %q, want empty (no dockerignore set)", l.SourceFile)
		}
		if !strings.Contains(l.Summary, ".dockerignore if present") || !strings.Contains(l.Summary, WorkDir) {
			t.Errorf("code summary %q should name %s and the default dockerignore", l.Summary, WorkDir)
		}
	})
	t.Run("local-project-install", func(t *testing.T) {
		l := mustFind(t, p, KindLocalInstall)
		wantArgv(t, "local install command", lastExec(t, l).Argv, []string{"pip", "install", "-e", ".[train]"})
	})
	t.Run("user", func(t *testing.T) {
		if l := mustFind(t, p, KindUser); l.User != "app" {
			t.Errorf("User = %q, want app", l.User)
		}
	})
	t.Run("runtime-env", func(t *testing.T) {
		l := mustFind(t, p, KindRuntimeEnv)
		if !reflect.DeepEqual(l.Env, r.RuntimeEnvironment) {
			t.Errorf("Env = %+v, want %+v", l.Env, r.RuntimeEnvironment)
		}
	})
	t.Run("labels", func(t *testing.T) {
		l := mustFind(t, p, KindLabels)
		if !reflect.DeepEqual(l.Labels, Labels(r)) {
			t.Errorf("Labels = %v, want Labels(r) = %v", l.Labels, Labels(r))
		}
	})
}

// TestBuildLayerSelection checks which layers each setting adds, starting from a minimal pip build.
func TestBuildLayerSelection(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *settings.Resolved, in *Inputs)
		want   []Kind
	}{
		{"nothing to do", func(*settings.Resolved, *Inputs) {}, []Kind{KindParent, KindZenMLEnv, KindLabels}},
		{"code included", func(r *settings.Resolved, _ *Inputs) { r.AllowIncludingFilesInImages = true },
			[]Kind{KindParent, KindZenMLEnv, KindCode, KindLabels}},
		{"build env only", func(r *settings.Resolved, _ *Inputs) {
			r.Environment = []settings.EnvVar{{Name: "A", Value: "1"}}
		}, []Kind{KindParent, KindBuildEnv, KindZenMLEnv, KindLabels}},
		{"runtime env only", func(r *settings.Resolved, _ *Inputs) {
			r.RuntimeEnvironment = []settings.EnvVar{{Name: "A", Value: "1"}}
		}, []Kind{KindParent, KindZenMLEnv, KindRuntimeEnv, KindLabels}},
		{"user only", func(r *settings.Resolved, _ *Inputs) { r.User = "1000" },
			[]Kind{KindParent, KindZenMLEnv, KindUser, KindLabels}},
		{"apt only", func(r *settings.Resolved, _ *Inputs) { r.AptPackages = []string{"curl"} },
			[]Kind{KindParent, KindApt, KindZenMLEnv, KindLabels}},
		{"pip requirements: no installer layer", func(r *settings.Resolved, _ *Inputs) { r.Requirements = []string{"x"} },
			[]Kind{KindParent, KindRequirements, KindZenMLEnv, KindLabels}},
		{"uv requirements: installer layer first", func(r *settings.Resolved, _ *Inputs) {
			r.Installer = "uv"
			r.Requirements = []string{"x"}
		}, []Kind{KindParent, KindInstaller, KindRequirements, KindZenMLEnv, KindLabels}},
		{"uv with nothing to install: uv installed all the same, as ZenML does", func(r *settings.Resolved, _ *Inputs) { r.Installer = "uv" },
			[]Kind{KindParent, KindInstaller, KindZenMLEnv, KindLabels}},
		{"default parent: zenml installed first", func(r *settings.Resolved, _ *Inputs) {
			r.ParentImageIsDefault = true
			r.Requirements = []string{"x"}
		}, []Kind{KindParent, KindZenML, KindRequirements, KindZenMLEnv, KindLabels}},
		{"build args", func(r *settings.Resolved, _ *Inputs) {
			r.BuildOptions = map[string]any{"build_args": map[string]any{"TEAM": "ml"}}
		}, []Kind{KindParent, KindBuildArgs, KindZenMLEnv, KindLabels}},
		{"uv with only a local project install", func(r *settings.Resolved, _ *Inputs) {
			r.Installer = "uv"
			r.AllowIncludingFilesInImages = true
			r.LocalProjectInstallCommand = []string{"uv", "pip", "install", "--system", "."}
		}, []Kind{KindParent, KindInstaller, KindZenMLEnv, KindCode, KindLocalInstall, KindLabels}},
		{"local project install without code: no install layer", func(r *settings.Resolved, _ *Inputs) {
			r.LocalProjectInstallCommand = []string{"pip", "install", "."}
		}, []Kind{KindParent, KindZenMLEnv, KindLabels}},
		{"stack requirements off", func(r *settings.Resolved, in *Inputs) {
			r.InstallStackRequirements = false
			in.StackRequirements = []string{"s3fs"}
		}, []Kind{KindParent, KindZenMLEnv, KindLabels}},
		{"stack requirements on but none passed", func(r *settings.Resolved, in *Inputs) {
			r.InstallStackRequirements = true
			in.StackRequirements = nil
		}, []Kind{KindParent, KindZenMLEnv, KindLabels}},
		{"stack requirements on", func(r *settings.Resolved, in *Inputs) {
			r.InstallStackRequirements = true
			in.StackRequirements = []string{"s3fs"}
		}, []Kind{KindParent, KindStack, KindZenMLEnv, KindLabels}},
		{"integration without apt packages", func(r *settings.Resolved, _ *Inputs) {
			r.RequiredIntegrations = []string{"sklearn"}
		}, []Kind{KindParent, KindIntegrations, KindZenMLEnv, KindLabels}},
		{"integration with apt packages", func(r *settings.Resolved, _ *Inputs) {
			r.RequiredIntegrations = []string{"lightgbm"}
		}, []Kind{KindParent, KindApt, KindIntegrations, KindZenMLEnv, KindLabels}},
		{"local environment", func(r *settings.Resolved, in *Inputs) {
			r.LocalEnvironment = "pip_freeze"
			in.HasLocalEnvironment = true
		}, []Kind{KindParent, KindLocalEnv, KindZenMLEnv, KindLabels}},
		{"export passed but replication off: ignored", func(_ *settings.Resolved, in *Inputs) {
			in.HasLocalEnvironment = true
		}, []Kind{KindParent, KindZenMLEnv, KindLabels}},
		{"pyproject", func(r *settings.Resolved, _ *Inputs) { r.PyprojectPath = "pyproject.toml" },
			[]Kind{KindParent, KindPyproject, KindZenMLEnv, KindLabels}},
		{"requirements file", func(r *settings.Resolved, _ *Inputs) { r.RequirementsFile = "requirements.txt" },
			[]Kind{KindParent, KindRequirements, KindZenMLEnv, KindLabels}},
		{"requirements file and list: one layer", func(r *settings.Resolved, _ *Inputs) {
			r.RequirementsFile = "requirements.txt"
			r.Requirements = []string{"x"}
		}, []Kind{KindParent, KindRequirements, KindZenMLEnv, KindLabels}},
		{"dockerfile parent", func(r *settings.Resolved, _ *Inputs) {
			r.ParentImage = ""
			r.Dockerfile = "Dockerfile"
		}, []Kind{KindDockerfile, KindZenMLEnv, KindLabels}},
		{"skip_build ignores everything else", func(r *settings.Resolved, in *Inputs) {
			full := fullResolved()
			full.SkipBuild = true
			*r = *full
			*in = fullInputs()
		}, []Kind{KindParent}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, in := minimalResolved(), Inputs{}
			tc.modify(r, &in)
			p := mustBuild(t, r, in)
			if got := kinds(p); !slices.Equal(got, tc.want) {
				t.Errorf("layers:\n got  %v\n want %v", got, tc.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *settings.Resolved, in *Inputs)
		want   []string
	}{
		{"local environment without export", func(r *settings.Resolved, in *Inputs) {
			r.LocalEnvironment = "pip_freeze"
			in.HasLocalEnvironment = false
		}, []string{"replicate_local_python_environment", `"pip_freeze"`, "--local-environment"}},
		{"unknown integration", func(r *settings.Resolved, _ *Inputs) {
			r.RequiredIntegrations = []string{"sklearn", "nope"}
		}, append([]string{`unknown integration "nope"`, "required_integrations"}, integrationNames()...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, in := minimalResolved(), Inputs{}
			tc.modify(r, &in)
			p, err := New(r, in)
			if err == nil {
				t.Fatalf("Build: want an error, got plan with layers %v", kinds(p))
			}
			if p != nil {
				t.Errorf("Build returned a plan alongside error %v", err)
			}
			for _, fragment := range tc.want {
				if !strings.Contains(err.Error(), fragment) {
					t.Errorf("error %q does not contain %q", err, fragment)
				}
			}
		})
	}
}

func TestBuildSkipBuildUsesParentAsIs(t *testing.T) {
	r := fullResolved()
	r.SkipBuild = true
	r.ParentImage = "registry.example.com/team/ready:1.0"
	p := mustBuild(t, r, fullInputs())
	if len(p.Layers) != 1 {
		t.Fatalf("skip_build: want exactly one layer, got %v", kinds(p))
	}
	l := p.Layers[0]
	if l.Kind != KindParent || l.Image != r.ParentImage {
		t.Errorf("skip_build layer = %s %q, want parent %q", l.Kind, l.Image, r.ParentImage)
	}
	if !strings.Contains(l.Summary, "skip_build") {
		t.Errorf("summary %q should say skip_build", l.Summary)
	}
}

func TestBuildSkipBuildDoesNotNeedLocalEnvironmentOrKnownIntegrations(t *testing.T) {
	r := minimalResolved()
	r.SkipBuild = true
	r.LocalEnvironment = "pip_freeze"
	r.RequiredIntegrations = []string{"not-an-integration"}
	if _, err := New(r, Inputs{}); err != nil {
		t.Errorf("skip_build builds nothing, so nothing should be checked: %v", err)
	}
}

func TestBuildDockerfileParent(t *testing.T) {
	tests := []struct {
		name        string
		dockerfile  string
		contextRoot string
		options     map[string]any
		wantContext string
		wantArgs    map[string]string
	}{
		{name: "root Dockerfile", dockerfile: "Dockerfile", wantContext: "."},
		{name: "nested Dockerfile defaults to its directory", dockerfile: "docker/gpu/Dockerfile.cuda", wantContext: "docker/gpu"},
		{name: "explicit context root", dockerfile: "docker/Dockerfile", contextRoot: ".", wantContext: "."},
		{name: "explicit other context", dockerfile: "docker/Dockerfile", contextRoot: "ctx", wantContext: "ctx"},
		{name: "build args stringified", dockerfile: "Dockerfile", wantContext: ".",
			options:  map[string]any{"buildargs": map[string]any{"PY": "3.11", "N": 3, "FLAG": true, "F": 1.5}, "pull": true},
			wantArgs: map[string]string{"PY": "3.11", "N": "3", "FLAG": "true", "F": "1.5"}},
		{name: "empty build args", dockerfile: "Dockerfile", wantContext: ".",
			options: map[string]any{"buildargs": map[string]any{}}},
		{name: "options without build args", dockerfile: "Dockerfile", wantContext: ".",
			options: map[string]any{"pull": true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := minimalResolved()
			r.ParentImage, r.ParentImageIsDefault = "", false
			r.Dockerfile = tc.dockerfile
			r.BuildContextRoot = tc.contextRoot
			r.ParentImageBuildOptions = tc.options
			p := mustBuild(t, r, Inputs{})
			wantNoLayer(t, p, KindParent)
			if p.Layers[0].Kind != KindDockerfile {
				t.Fatalf("first layer = %s, want dockerfile; layers %v", p.Layers[0].Kind, kinds(p))
			}
			l := p.Layers[0]
			if l.Dockerfile != tc.dockerfile {
				t.Errorf("Dockerfile = %q, want %q", l.Dockerfile, tc.dockerfile)
			}
			if l.Context != tc.wantContext {
				t.Errorf("Context = %q, want %q", l.Context, tc.wantContext)
			}
			if !reflect.DeepEqual(l.BuildArgs, tc.wantArgs) {
				t.Errorf("BuildArgs = %#v, want %#v", l.BuildArgs, tc.wantArgs)
			}
			if !strings.Contains(l.Summary, tc.dockerfile) || !strings.Contains(l.Summary, tc.wantContext) {
				t.Errorf("summary %q should name the Dockerfile and its context", l.Summary)
			}
			if _, ok := mustFind(t, p, KindLabels).Labels[LabelBaseName]; ok {
				t.Errorf("a Dockerfile parent has no base image name label")
			}
		})
	}
}

func TestBuildPipUsesPythonDashMPip(t *testing.T) {
	r := minimalResolved()
	r.Requirements = []string{"requests"}
	p := mustBuild(t, r, Inputs{})
	wantNoLayer(t, p, KindInstaller)
	wantArgv(t, "pip install command", lastExec(t, mustFind(t, p, KindRequirements)).Argv,
		[]string{"pip", "install", "--default-timeout=60", "--cache-dir=/var/cache/stepimage/pip", "-r", "/run/stepimage/requirements.txt"})
}

func TestBuildRequirementsFileVersusList(t *testing.T) {
	tests := []struct {
		name         string
		file         string
		list         []string
		wantSource   string
		wantPackages []string
		wantSummary  string
	}{
		{name: "file", file: "reqs/requirements-gpu.txt", wantSource: "reqs/requirements-gpu.txt", wantSummary: "reqs/requirements-gpu.txt"},
		{name: "list keeps the user's order and duplicates", list: []string{"zeta", "alpha==1", "mid>2", "alpha==1"},
			wantPackages: []string{"zeta", "alpha==1", "mid>2", "alpha==1"}, wantSummary: "zeta alpha==1 mid>2"},
		{name: "file wins over list", file: "requirements.txt", list: []string{"x"}, wantSource: "requirements.txt", wantSummary: "requirements.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := layerFor(t, KindRequirements, func(r *settings.Resolved) { r.RequirementsFile, r.Requirements = tc.file, tc.list })
			if l.SourceFile != tc.wantSource {
				t.Errorf("SourceFile = %q, want %q", l.SourceFile, tc.wantSource)
			}
			wantArgv(t, "packages", l.Packages, tc.wantPackages)
			if !strings.Contains(l.Summary, tc.wantSummary) {
				t.Errorf("summary %q does not contain %q", l.Summary, tc.wantSummary)
			}
			if l.RequirementsFile != "/run/stepimage/requirements.txt" {
				t.Errorf("RequirementsFile = %q", l.RequirementsFile)
			}
		})
	}
}

func TestBuildDoesNotAliasOrMutateSettings(t *testing.T) {
	r := fullResolved()
	r.AptPackages = make([]string, 2, 10) // spare capacity: an append would write into it
	copy(r.AptPackages, []string{"git", "curl"})
	in := fullInputs()
	p := mustBuild(t, r, in)

	wantArgv(t, "r.AptPackages after Build", r.AptPackages, []string{"git", "curl"})
	wantArgv(t, "r.Requirements after Build", r.Requirements, []string{"torch==2.3.0", "numpy<2"})
	wantArgv(t, "stack requirements input after Build", in.StackRequirements, []string{"s3fs", "boto3", "s3fs"})

	r.Requirements[0] = "changed"
	if got := mustFind(t, p, KindRequirements).Packages[0]; got != "torch==2.3.0" {
		t.Errorf("requirements layer shares its slice with the settings: Packages[0] = %q after editing the settings", got)
	}
}

func TestBuildIntegrations(t *testing.T) {
	tests := []struct {
		name         string
		integrations []string
		apt          []string
		wantReqs     []string
		wantApt      []string
	}{
		{name: "requirements sorted", integrations: []string{"sklearn", "pandas"},
			wantReqs: []string{"pandas>=2.0.0", "scikit-learn"}},
		{name: "apt: the user's packages, then the integrations', as written", integrations: []string{"xgboost", "lightgbm", "skypilot_aws"},
			apt:      []string{"libgomp1", "curl"},
			wantReqs: []string{"lightgbm>=1.0.0", "skypilot[aws]>=0.11.0,<0.12.0", "xgboost>=1.0.0"},
			wantApt:  append([]string{"libgomp1", "curl"}, append(slices.Clone(Integrations["lightgbm"].AptPackages), Integrations["skypilot_aws"].AptPackages...)...)},
		{name: "names are case-insensitive", integrations: []string{"LightGBM"},
			wantReqs: []string{"lightgbm>=1.0.0"}, wantApt: []string{"libgomp1"}},
		{name: "duplicate integration installs once", integrations: []string{"s3", "s3"},
			wantReqs: []string{"aws-profile-manager", "boto3", "s3fs>2022.3.0,!=2025.3.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p *Plan
			l := layerFor(t, KindIntegrations, func(r *settings.Resolved) {
				r.RequiredIntegrations, r.AptPackages = tc.integrations, tc.apt
				p = mustBuild(t, r, Inputs{})
			})
			wantArgv(t, "integration requirements", l.Packages, tc.wantReqs)
			for _, name := range tc.integrations {
				if !strings.Contains(l.Summary, name) {
					t.Errorf("summary %q should name integration %q", l.Summary, name)
				}
			}
			if tc.wantApt == nil {
				wantNoLayer(t, p, KindApt)
				return
			}
			apt := mustFind(t, p, KindApt)
			wantArgv(t, "apt packages", apt.Packages, tc.wantApt)
			wantArgv(t, "apt command packages", lastExec(t, apt).Argv[4:], tc.wantApt)
		})
	}
}

func TestBuildLenientUnknownIntegrationIsAWarning(t *testing.T) {
	r := minimalResolved()
	r.ParentImageIsDefault = true // zenml installed: no warning about it
	r.RequiredIntegrations = []string{"sklearn", "not-real"}
	p := mustBuild(t, r, Inputs{Lenient: true})
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], `"not-real"`) {
		t.Errorf("Warnings = %q, want one naming not-real", p.Warnings)
	}
	wantArgv(t, "integration requirements", mustFind(t, p, KindIntegrations).Packages, []string{"scikit-learn"})
	if !strings.Contains(p.String(), "warning: required_integrations: unknown integration \"not-real\"") {
		t.Errorf("String() should show the warning:\n%s", p.String())
	}
	clean := minimalResolved()
	clean.ParentImageIsDefault = true
	if strict := mustBuild(t, clean, Inputs{}); len(strict.Warnings) != 0 {
		t.Errorf("a plan without problems has warnings %q", strict.Warnings)
	}
}

func TestBuildIntegrationWithoutRequirementsAddsNoInstallLayer(t *testing.T) {
	var empty string
	for name, integration := range Integrations {
		if len(integration.Requirements) == 0 && len(integration.AptPackages) == 0 {
			empty = name
			break
		}
	}
	if empty == "" {
		t.Skip("every integration installs something")
	}
	r := minimalResolved()
	r.RequiredIntegrations = []string{empty}
	p := mustBuild(t, r, Inputs{})
	wantNoLayer(t, p, KindIntegrations)
	wantNoLayer(t, p, KindApt)
}

func TestBuildLocalEnvironment(t *testing.T) {
	r := minimalResolved()
	r.LocalEnvironment = "poetry_export"
	p := mustBuild(t, r, Inputs{HasLocalEnvironment: true})
	l := mustFind(t, p, KindLocalEnv)
	if l.RequirementsFile != "/run/stepimage/local-environment.txt" || l.Packages != nil || l.SourceFile != "" {
		t.Errorf("local environment layer: RequirementsFile %q, Packages %q, SourceFile %q; want the caller's export only",
			l.RequirementsFile, l.Packages, l.SourceFile)
	}
}

func TestBuildCodeLayer(t *testing.T) {
	for dockerignore, wantSummary := range map[string]string{"": ".dockerignore if present", "docker/.dockerignore.train": "docker/.dockerignore.train"} {
		r := minimalResolved()
		r.AllowIncludingFilesInImages = true
		r.Dockerignore = dockerignore
		l := mustFind(t, mustBuild(t, r, Inputs{}), KindCode)
		if l.SourceFile != dockerignore || !strings.Contains(l.Summary, wantSummary) || !strings.Contains(l.Summary, ".git excluded") {
			t.Errorf("code layer SourceFile %q, summary %q; want %q, naming %q and the .git exclusion", l.SourceFile, l.Summary, dockerignore, wantSummary)
		}
		wantArgv(t, "ZenML's chmod", lastExec(t, l).Argv, []string{"chmod", "-R", "a+rw", "."})
	}
	t.Run("absent when files may not be included", func(t *testing.T) {
		r := fullResolved()
		r.AllowIncludingFilesInImages = false
		p := mustBuild(t, r, fullInputs())
		wantNoLayer(t, p, KindCode)
		wantNoLayer(t, p, KindLocalInstall)
		mustFind(t, p, KindUser)
	})
}

func TestBuildUserAndRuntimeEnv(t *testing.T) {
	r := minimalResolved()
	r.User = "trainer"
	r.RuntimeEnvironment = []settings.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "two"}}
	p := mustBuild(t, r, Inputs{})
	u := mustFind(t, p, KindUser)
	if u.User != "trainer" || !strings.Contains(u.Summary, "trainer") || !strings.Contains(u.Summary, WorkDir) {
		t.Errorf("user layer: User %q summary %q", u.User, u.Summary)
	}
	env := mustFind(t, p, KindRuntimeEnv)
	if !reflect.DeepEqual(env.Env, r.RuntimeEnvironment) {
		t.Errorf("runtime env = %+v, want %+v", env.Env, r.RuntimeEnvironment)
	}
	if !strings.Contains(env.Summary, "A, B") || !strings.Contains(env.Summary, "2 runtime") {
		t.Errorf("runtime env summary %q should count and name the variables", env.Summary)
	}
	if !slices.Contains(env.InvalidatedBy, "runtime_environment (no install reruns)") {
		t.Errorf("runtime env InvalidatedBy = %q", env.InvalidatedBy)
	}
}

func TestFind(t *testing.T) {
	p := &Plan{Settings: minimalResolved(), Layers: []Layer{
		{Kind: KindParent, Summary: "first"},
		{Kind: KindRequirements, Summary: "a"},
		{Kind: KindRequirements, Summary: "b"},
	}}
	if l := p.Find(KindRequirements); l == nil || l.Summary != "a" {
		t.Errorf("Find returns the first layer of a kind; got %+v", l)
	}
	if l := p.Find(KindUser); l != nil {
		t.Errorf("Find of a missing kind = %+v, want nil", l)
	}
	p.Find(KindParent).Summary = "edited"
	if p.Layers[0].Summary != "edited" {
		t.Errorf("Find should return a pointer into the plan, not a copy")
	}
}

func TestInstallExec(t *testing.T) {
	const file = "/run/stepimage/requirements.txt"
	const pipCache, uvCache = "--cache-dir=/var/cache/stepimage/pip", "--cache-dir=/var/cache/stepimage/uv"
	arg := func(name string, value ...string) settings.InstallerArg {
		if len(value) == 0 {
			return settings.InstallerArg{Name: name}
		}
		return settings.InstallerArg{Name: name, Value: &value[0]}
	}
	tests := []struct {
		name      string
		installer string
		args      []settings.InstallerArg
		want      []string
	}{
		{"pip without args", "pip", nil, []string{"pip", "install", pipCache, "-r", file}},
		{"pip ZenML defaults: --no-cache-dir gives way to the cache volume", "pip", []settings.InstallerArg{arg("default-timeout", "60"), arg("no-cache-dir")},
			[]string{"pip", "install", "--default-timeout=60", pipCache, "-r", file}},
		{"empty value renders --k=", "pip", []settings.InstallerArg{arg("index-url", "")},
			[]string{"pip", "install", "--index-url=", pipCache, "-r", file}},
		{"value kept verbatim", "pip", []settings.InstallerArg{arg("extra-index-url", "https://u:p@x.example/simple?a=b c")},
			[]string{"pip", "install", "--extra-index-url=https://u:p@x.example/simple?a=b c", pipCache, "-r", file}},
		{"pip target gets no --system", "pip", []settings.InstallerArg{arg("target", "/opt/lib")},
			[]string{"pip", "install", "--target=/opt/lib", pipCache, "-r", file}},
		{"uv without args gets --system and copies from its cache", "uv", nil,
			[]string{"uv", "pip", "install", "--system", "--system-certs", uvCache, "--link-mode=copy", "-r", file}},
		{"uv ZenML default", "uv", []settings.InstallerArg{arg("no-cache-dir")},
			[]string{"uv", "pip", "install", "--system", "--system-certs", uvCache, "--link-mode=copy", "-r", file}},
		{"every --no-cache-dir dropped", "uv", []settings.InstallerArg{arg("no-cache-dir"), arg("no-cache-dir")},
			[]string{"uv", "pip", "install", "--system", "--system-certs", uvCache, "--link-mode=copy", "-r", file}},
		{"uv explicit --system not doubled", "uv", []settings.InstallerArg{arg("no-cache-dir"), arg("system")},
			[]string{"uv", "pip", "install", "--system", "--system-certs", uvCache, "--link-mode=copy", "-r", file}},
		{"uv --python is a target", "uv", []settings.InstallerArg{arg("python", "/opt/venv/bin/python")},
			[]string{"uv", "pip", "install", "--python=/opt/venv/bin/python", "--system-certs", uvCache, "--link-mode=copy", "-r", file}},
		{"uv --prefix is a target", "uv", []settings.InstallerArg{arg("prefix", "/opt/x")},
			[]string{"uv", "pip", "install", "--prefix=/opt/x", "--system-certs", uvCache, "--link-mode=copy", "-r", file}},
		{"uv --target is a target", "uv", []settings.InstallerArg{arg("target", "/opt/x")},
			[]string{"uv", "pip", "install", "--target=/opt/x", "--system-certs", uvCache, "--link-mode=copy", "-r", file}},
		{"uv other args keep their order", "uv", []settings.InstallerArg{arg("torch-backend", "cpu"), arg("index-strategy", "unsafe-best-match")},
			[]string{"uv", "pip", "install", "--torch-backend=cpu", "--index-strategy=unsafe-best-match", "--system", "--system-certs", uvCache, "--link-mode=copy", "-r", file}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &settings.Resolved{Installer: settings.Installer(tc.installer), InstallerArgs: tc.args}
			exec := InstallExec(r, file)
			wantArgv(t, "InstallExec", exec.Argv, tc.want)
			volume := PipVolume
			if tc.installer == "uv" {
				volume = UVVolume
			}
			if len(exec.Mounts) != 1 || exec.Mounts[0].Volume != volume || "--cache-dir="+exec.Mounts[0].Target != tc.want[len(tc.want)-3-boolInt(tc.installer == "uv")] {
				t.Errorf("mounts %+v: want the %s volume where --cache-dir points", exec.Mounts, volume)
			}
			if !exec.Network {
				t.Errorf("an install fetches packages: Network should be set")
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPyprojectExportExec(t *testing.T) {
	tests := []struct {
		name   string
		custom []string
		want   []string
	}{
		{"default uv export", nil, []string{"uv", "export", "--format=requirements-txt", "--no-hashes", "--no-emit-project", "--system-certs",
			"--directory=/run/stepimage/pyproject", "--cache-dir=/var/cache/stepimage/uv"}},
		{"custom with {directory}", []string{"poetry", "export", "--directory={directory}", "--without-hashes", "{directory}/{directory}"},
			[]string{"poetry", "export", "--directory=/run/stepimage/pyproject", "--without-hashes", "/run/stepimage/pyproject//run/stepimage/pyproject"}},
		{"custom uv without placeholder", []string{"uv", "export", "--extra=train"}, []string{"uv", "export", "--extra=train", "--cache-dir=/var/cache/stepimage/uv"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := minimalResolved()
			r.PyprojectPath = "app/pyproject.toml"
			r.PyprojectExportCommand = slices.Clone(tc.custom)
			p := &Plan{Settings: r}
			wantArgv(t, "export argv", p.pyprojectExportExec("/run/stepimage/out.txt").Argv, tc.want)
			wantArgv(t, "settings after export", r.PyprojectExportCommand, tc.custom)
		})
	}
}

// TestPyprojectLayerExportsOnScratchAndInstallsTheOutput: ZenML's pyproject_export_command
// "must output a list of requirements" on stdout. The export runs on a scratch copy of the
// image (with uv installed there under pip), its stdout is the file the install mounts.
func TestPyprojectLayerExportsOnScratchAndInstallsTheOutput(t *testing.T) {
	r := minimalResolved()
	r.PyprojectPath = "pyproject.toml"
	r.PyprojectExportCommand = []string{"uv", "export", "--format=requirements-txt", "--directory={directory}"}
	l := mustFind(t, mustBuild(t, r, Inputs{}), KindPyproject)
	if len(l.Execs) != 3 {
		t.Fatalf("execs %+v: want uv's install and the export on scratch, then the install", l.Execs)
	}
	installUV, export, install := l.Execs[0], l.Execs[1], l.Execs[2]
	if !installUV.Scratch || !slices.Contains(installUV.Argv, UVRequirement) {
		t.Errorf("first exec %+v: want pip installing %s on the scratch copy", installUV, UVRequirement)
	}
	want := []string{"uv", "export", "--format=requirements-txt", "--directory=" + path.Join(InputsDir, "pyproject"), "--cache-dir=/var/cache/stepimage/uv"}
	wantArgv(t, "export argv", export.Argv, want)
	if !export.Scratch || export.Stdout != l.RequirementsFile {
		t.Errorf("export %+v: want a scratch exec writing its stdout to %s", export, l.RequirementsFile)
	}
	if install.Scratch || install.Mounts[1].Kind != MountOutput || install.Mounts[1].Target != l.RequirementsFile {
		t.Errorf("install %+v: want the export's output mounted at %s", install, l.RequirementsFile)
	}
}

// TestUVRequirementFlagsReachTheListInstall: options that uv ignores inside a requirements file
// (--pre, --trusted-host) arrive on its command line, mapped by settings.
func TestUVRequirementFlagsReachTheListInstall(t *testing.T) {
	r := minimalResolved()
	r.Installer = "uv"
	r.InstallerArgs = nil
	r.Requirements = []string{"--pre", "torch"}
	r.UVRequirementFlags = []string{"--prerelease=allow"}
	l := mustFind(t, mustBuild(t, r, Inputs{}), KindRequirements)
	wantArgv(t, "install", lastExec(t, l).Argv, []string{"uv", "pip", "install", "--system", "--system-certs", "--prerelease=allow",
		"--cache-dir=/var/cache/stepimage/uv", "--link-mode=copy", "-r", "/run/stepimage/requirements.txt"})
}

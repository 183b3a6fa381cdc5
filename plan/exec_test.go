package plan

import (
	"testing"

	"dagger/stepimage/settings"
)

// TestExecShell: the Dockerfile's shell form of an exec is the same command: a script's "$@"
// gets the arguments, exec-only variables come first, anything else is quoted word by word.
func TestExecShell(t *testing.T) {
	tests := []struct {
		exec Exec
		want string
	}{
		{Exec{Argv: []string{"sh", "-c", `apt-get install -y "$@"`, "apt-index-1", "curl", "a b"}}, `apt-get install -y curl 'a b'`},
		{Exec{Argv: []string{"sh", "-c", `id -u "$@" || useradd "$@"`, "sh", "app"}}, `id -u app || useradd app`},
		{Exec{Argv: []string{"sh", "-c", "echo no args"}}, `sh -c 'echo no args'`},
		{Exec{Argv: []string{"pip", "install", "-e", ".[train]"}, Env: []settings.EnvVar{{Name: "UV_SYSTEM_CERTS", Value: "1"}}}, `UV_SYSTEM_CERTS=1 pip install -e '.[train]'`},
		{Exec{Argv: []string{"chown", "-R", "o'brien", "."}}, `chown -R 'o'\''brien' .`},
	}
	for _, tc := range tests {
		if got := tc.exec.shell(); got != tc.want {
			t.Errorf("shell(%q) = %q, want %q", tc.exec.Argv, got, tc.want)
		}
	}
}

func TestPathWithoutSbin(t *testing.T) {
	for _, tc := range []struct{ image, want string }{
		{"", "/usr/local/bin:/usr/bin:/bin"},
		{DefaultPath, "/usr/local/bin:/usr/bin:/bin"},
		{"/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin"},
		{"/opt/conda/bin:/sbin/:/usr/bin", "/opt/conda/bin:/usr/bin"},
		{"/opt/sbinaries/bin:/usr/bin", "/opt/sbinaries/bin:/usr/bin"},
	} {
		if got := PathWithoutSbin(tc.image); got != tc.want {
			t.Errorf("PathWithoutSbin(%q) = %q, want %q", tc.image, got, tc.want)
		}
	}
}

// Installs, the resolve, the buckets and ZenML's chmod need nothing from sbin and skip the
// engine's CA hook; apt (dpkg runs ldconfig and friends from sbin), the user's account
// (useradd is in /usr/sbin) and the user's own commands keep the image's PATH.
func TestOnlyExecsThatNeedNoSbinRunWithoutIt(t *testing.T) {
	r := fullResolved()
	r.LocalProjectInstallCommand = nil // keeps code and user beside the installs
	p := layeredPlan(t, r, fullInputs())
	without := map[Kind]bool{KindInstaller: true, KindPackages: true, KindCode: true}
	for _, layer := range p.Layers {
		for _, exec := range layer.Execs {
			if exec.WithoutSbin != without[layer.Kind] {
				t.Errorf("%s layer exec %v: WithoutSbin = %v, want %v", layer.Kind, exec.Argv, exec.WithoutSbin, without[layer.Kind])
			}
		}
		for _, source := range layer.Sources {
			for _, exec := range source.Execs {
				if !exec.WithoutSbin {
					t.Errorf("%s source exec %v should run without sbin", source.Kind, exec.Argv)
				}
			}
		}
	}
	res := &Resolution{Before: dists("pip==24.0"), After: dists("pip==24.0", "torch==2.3.0", "six==1.17.0")}
	for _, bucket := range mustBuckets(t, p, res) {
		if !bucket.Exec.WithoutSbin {
			t.Errorf("bucket %s should run without sbin", bucket.Name)
		}
	}
	custom := fullResolved()
	custom.PyprojectExportCommand = []string{"poetry", "export", "--directory={directory}"}
	for _, exec := range layeredPlan(t, custom, fullInputs()).Find(KindPackages).Execs {
		if exec.Argv[0] == "poetry" && exec.WithoutSbin {
			t.Errorf("a custom export command %v may need anything on PATH; it should keep the image's", exec.Argv)
		}
	}
}

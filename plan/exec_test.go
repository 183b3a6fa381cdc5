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

package plan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestAptExec(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		packages []string
		wantKey  string
	}{
		{"packages and key", "2025-w07", []string{"curl", "libgomp1"}, "apt-index-2025-w07"},
		{"empty key", "", []string{"git"}, "apt-index-none"},
		{"hostile names stay arguments", "k", []string{"curl; rm -rf /", "$(reboot)", "a'b"}, "apt-index-k"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exec := aptExec(tc.key, tc.packages)
			argv := exec.Argv
			if len(argv) != 4+len(tc.packages) {
				t.Fatalf("argv %q: want sh -c SCRIPT KEY PACKAGES...", argv)
			}
			if argv[0] != "sh" || argv[1] != "-c" || argv[3] != tc.wantKey {
				t.Errorf("argv prefix %q, want sh -c SCRIPT %s", argv[:4], tc.wantKey)
			}
			wantArgv(t, "packages after the script", argv[4:], tc.packages)
			script := argv[2]
			for _, pkg := range tc.packages {
				if strings.Contains(script, pkg) {
					t.Errorf("package %q is spliced into the script %q", pkg, script)
				}
			}
			for _, fragment := range []string{"apt-get update", "apt-get install", "--no-install-recommends", `"$@"`, "-y"} {
				if !strings.Contains(script, fragment) {
					t.Errorf("script %q lacks %q", script, fragment)
				}
			}
			for _, m := range exec.Mounts {
				if m.Kind != MountCache || !m.Locked {
					t.Errorf("mount %+v: apt's state needs locked cache volumes", m)
				}
			}
			if len(exec.Mounts) != 2 {
				t.Errorf("mounts %+v: want the archives and the lists", exec.Mounts)
			}
		})
	}
}

// TestAptExecRunsWithPackagesAsArguments runs the script with a fake apt-get to check that every
// package arrives as one argument, unexpanded, and that the Dockerfile's shell form of the
// same exec passes the same arguments.
func TestAptExecRunsWithPackagesAsArguments(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	// A fake apt-get first on PATH prints each argument NUL-terminated.
	bin := t.TempDir()
	fake := "#!" + sh + "\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n"
	if err := os.WriteFile(filepath.Join(bin, "apt-get"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	packages := []string{"curl", "lib with space", "$(echo injected)", "a'b", "*"}
	apt := aptExec("week-1", packages)
	want := append([]string{"update", "install", "-y", "--no-install-recommends"}, packages...)
	for name, cmd := range map[string]*exec.Cmd{
		"argv":       exec.Command(sh, apt.Argv[1:]...),
		"shell form": exec.Command(sh, "-c", apt.shell()),
	} {
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		cmd.Dir = bin
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: running the apt script with a fake apt-get: %v", name, err)
		}
		// Each apt-get call prints its arguments; update and install run in this order.
		got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		wantArgv(t, name+": arguments apt-get received", got, want)
	}
}

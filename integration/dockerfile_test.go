//go:build integration

package integration

import (
	"fmt"
	"testing"
	"time"
)

// TestBuildAndBuildDockerfileAgree: build and build-dockerfile run the same commands, so the
// images agree on what the settings decide: a numeric user and a named one the parent lacks,
// /app owned by it and writable, the build argument seen by the build steps and absent from
// the image, the requirements installed, nothing left in /tmp.
func TestBuildAndBuildDockerfileAgree(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{
		"settings.yaml": fmt.Sprintf(`settings:
  docker:
    parent_image: python:3.11-slim
    requirements: [six==1.16.0]
    user: "1000:1000"
    environment: {FRESH: "%d"}
    build_config:
      build_options: {build_args: {TEAM: ml-platform}}
    local_project_install_command: python -c "import os; open('/app/team', 'w').write(os.environ['TEAM'])"
steps:
  train:
    settings:
      docker:
        user: trainer
`, time.Now().UnixNano()),
	})
	probe := `id -u; getent passwd "$(id -u)" >/dev/null && id -un || echo nameless; stat -c '%U:%u %a' /app; cat /app/team; echo; echo "TEAM=${TEAM:-unset}"; ls -A /tmp | wc -l; python -c 'import six; print(six.__version__)'`
	for _, tc := range []struct{ step, want string }{
		{"", "1000\nnameless\nUNKNOWN:1000 777\nml-platform\nTEAM=unset\n0\n1.16.0"},
		{"train", "1000\ntrainer\ntrainer:1000 777\nml-platform\nTEAM=unset\n0\n1.16.0"},
	} {
		for _, function := range []string{"build", "build-dockerfile"} {
			got := run(t, dir, []string{function, "--config=settings.yaml", "--source=.", "--step=" + tc.step}, "sh", "-c", probe)
			if got != tc.want {
				t.Errorf("%s --step=%q:\n got  %q\n want %q", function, tc.step, got, tc.want)
			}
		}
	}
}

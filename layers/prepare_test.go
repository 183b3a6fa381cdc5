package layers

import "testing"

func TestRelativeTo(t *testing.T) {
	tests := []struct {
		dir, file, want string
		outside         bool
	}{
		{".", "docker/Dockerfile", "docker/Dockerfile", false},
		{"docker", "docker/Dockerfile", "Dockerfile", false},
		{"docker/", "./docker/sub/Dockerfile", "sub/Dockerfile", false},
		{"docker", "dockerfiles/Dockerfile", "", true},
		{"docker", "Dockerfile", "", true},
	}
	for _, tc := range tests {
		got, err := relativeTo(tc.dir, tc.file)
		if (err != nil) != tc.outside || got != tc.want {
			t.Errorf("relativeTo(%q, %q) = %q, %v; want %q, outside=%v", tc.dir, tc.file, got, err, tc.want, tc.outside)
		}
	}
}

package plan

import (
	"slices"
	"testing"
)

func TestDockerignorePatterns(t *testing.T) {
	tests := []struct {
		name     string
		contents string
		want     []string
	}{
		{"empty file", "", []string{".git"}},
		{"comments and blank lines dropped", "# build output\n\n   \n\tbuild/\n# another\n", []string{".git", "build/"}},
		{"indented comment dropped", "  # not a pattern\nx", []string{".git", "x"}},
		{"surrounding spaces trimmed", "  *.pyc  \n", []string{".git", "*.pyc"}},
		{"CRLF line endings", "a\r\nb\r\n", []string{".git", "a", "b"}},
		{"leading slash removed", "/dist\n/sub/dir/*.log", []string{".git", "dist", "sub/dir/*.log"}},
		{"negation kept", "*.md\n!README.md", []string{".git", "*.md", "!README.md"}},
		{"negation with leading slash", "!/keep/me", []string{".git", "!keep/me"}},
		{"negation with space", "! spaced", []string{".git", "!spaced"}},
		{"bare ! and / dropped", "!\n/\n!/\n", []string{".git"}},
		{"order kept, duplicates kept", "b\na\nb", []string{".git", "b", "a", "b"}},
		{"user .git entries come after the built-in one", ".git\n!.gitignore", []string{".git", ".git", "!.gitignore"}},
		{"hash inside a pattern is not a comment", "a#b", []string{".git", "a#b"}},
		{"no trailing newline", "node_modules", []string{".git", "node_modules"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DockerignorePatterns(tc.contents)
			if !slices.Equal(got, tc.want) {
				t.Errorf("DockerignorePatterns(%q):\n got  %q\n want %q", tc.contents, got, tc.want)
			}
			if len(got) == 0 || got[0] != ".git" {
				t.Errorf(".git must always be the first pattern, got %q", got)
			}
		})
	}
}

// TestDockerignorePatternsStripsByteOrderMark: Docker's reader (moby/patternmatcher/ignorefile)
// drops a UTF-8 byte order mark at the start of the file, which Windows editors often write.
func TestDockerignorePatternsStripsByteOrderMark(t *testing.T) {
	got := DockerignorePatterns("\ufeffnode_modules\n*.pyc\n")
	want := []string{".git", "node_modules", "*.pyc"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

package plan

import "strings"

// DockerignorePatterns turns a .dockerignore file into exclude patterns for a directory copy:
// comments and blank lines dropped, a leading "/" removed (patterns are relative to the root
// anyway), "!" exceptions kept. .git is always excluded: it is large, changes on every commit
// and would invalidate the code layer for nothing.
func DockerignorePatterns(contents string) []string {
	patterns := []string{".git"}
	// Windows editors may start the file with a byte order mark; Docker's reader drops it.
	contents = strings.TrimPrefix(contents, "\ufeff")
	for _, line := range strings.Split(contents, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		negated := strings.HasPrefix(line, "!")
		line = strings.TrimPrefix(line, "!")
		line = strings.TrimPrefix(strings.TrimSpace(line), "/")
		if line == "" {
			continue
		}
		if negated {
			line = "!" + line
		}
		patterns = append(patterns, line)
	}
	return patterns
}

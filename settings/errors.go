package settings

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a configuration, located as precisely as the package knows.
type Error struct {
	File    string
	Line    int // 1-based; 0 when unknown
	Column  int // 1-based; 0 when unknown
	Field   string
	Message string
	Fix     string // how to fix it; "" when the message says it all
}

// Error renders "file:line:col: field: message (fix: ...)", leaving out what is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(location(e.File, e.Line, e.Column))
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Fix != "" {
		b.WriteString(" (fix: ")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return b.String()
}

// location renders "file:line:col: " with the unknown parts left out.
func location(file string, line, col int) string {
	var parts []string
	if file != "" {
		parts = append(parts, file)
	}
	if line > 0 {
		parts = append(parts, fmt.Sprint(line))
		if col > 0 {
			parts = append(parts, fmt.Sprint(col))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ":") + ": "
}

// Errors is every problem found in one pass; Load and Resolve return all of them at once so that
// a user fixes a file in one go rather than one error per run.
type Errors []*Error

// Error joins the errors one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// err returns es as an error, or a true nil when there are none (never a typed nil).
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	es = es.dedupe()
	es.sort()
	return es
}

// sort orders errors by file position so that messages read top to bottom.
func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		if es[i].Column != es[j].Column {
			return es[i].Column < es[j].Column
		}
		return es[i].Field < es[j].Field
	})
}

// dedupe drops errors with the same rendering (Images resolves the pipeline level once per step).
func (es Errors) dedupe() Errors {
	seen := map[string]bool{}
	var out Errors
	for _, e := range es {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			out = append(out, e)
		}
	}
	return out
}

// Warning is a problem that does not stop a build: a deprecated field, an ignored key.
type Warning struct {
	File    string
	Line    int
	Column  int // 0 when unknown
	Field   string
	Message string
}

// String renders "file:line:col: field: message".
func (w Warning) String() string {
	s := location(w.File, w.Line, w.Column)
	if w.Field != "" {
		s += w.Field + ": "
	}
	return s + w.Message
}

// dedupeWarnings drops repeated warnings, keeping the first of each. Two warnings with the same
// message at the same line and column are about the same text even under different field paths:
// a YAML alias (docker: *base) is read once per place that uses it, and every step's resolution
// repeats the pipeline's warnings.
func dedupeWarnings(ws []Warning) []Warning {
	type place struct {
		file         string
		line, column int
		message      string
	}
	seen := map[Warning]bool{}
	seenAt := map[place]bool{}
	var out []Warning
	for _, w := range ws {
		at := place{w.File, w.Line, w.Column, w.Message}
		located := w.Line > 0 && w.Column > 0
		if seen[w] || (located && seenAt[at]) {
			continue
		}
		seen[w] = true
		if located {
			seenAt[at] = true
		}
		out = append(out, w)
	}
	return out
}

// suggest returns the candidate closest to name when it is close enough to be a likely typo.
func suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := levenshtein(strings.ToLower(name), c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > maxTypoDistance(name) {
		return ""
	}
	return best
}

// maxTypoDistance grows with the name's length: two edits in a 4-letter word is another word.
func maxTypoDistance(name string) int {
	switch n := len(name); {
	case n <= 3:
		return 1
	case n <= 8:
		return 2
	default:
		return 3
	}
}

// didYouMean renders a suggestion sentence, or "" when there is none.
func didYouMean(name string, candidates []string) string {
	if s := suggest(name, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

// levenshtein is the edit distance between a and b (bytes; field names are ASCII).
func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		// Long keys are never typos of our short field names; avoid quadratic work on junk.
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

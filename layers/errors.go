package layers

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/internal/text"
	"dagger/stepimage/plan"
)

// LayerError reports a failed layer by name, with the command it ran, the tail of its stderr
// and, where the failure is a known one, the fix.
type LayerError struct {
	Kind       plan.Kind
	Command    []string
	ExitCode   int
	StderrTail string
	Hint       string
}

func (e *LayerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "layer %q failed (exit code %d)\n  command: %s\n", e.Kind, e.ExitCode, strings.Join(e.Command, " "))
	if e.StderrTail != "" {
		b.WriteString("  stderr (last lines):\n" + text.Indent(e.StderrTail, "    "))
	}
	if e.Hint != "" {
		b.WriteString("  fix: " + e.Hint + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

const stderrTailLines = 15

// Explain turns an engine exec failure into a LayerError naming the plan layer that ran it;
// other errors pass through with context.
func Explain(err error, p *plan.Plan) error {
	var execErr *dagger.ExecError
	if !errors.As(err, &execErr) {
		if engineGone(err.Error()) {
			return fmt.Errorf("building image: %w (the engine stopped answering: it may have restarted or died mid-build; check it, then run again: finished layers are cached)", err)
		}
		return fmt.Errorf("building image: %w", err)
	}
	stderr := strings.TrimSpace(execErr.Stderr)
	if stderr == "" {
		stderr = strings.TrimSpace(execErr.Stdout)
	}
	kind := p.LayerOf(execErr.Cmd)
	return &LayerError{
		Kind:       kind,
		Command:    execErr.Cmd,
		ExitCode:   execErr.ExitCode,
		StderrTail: strings.Join(text.LastLines(stderr, stderrTailLines), "\n"),
		Hint:       plan.FailureHint(kind, execErr.ExitCode, stderr),
	}
}

// engineGonePhrases are how a lost engine connection shows in the client's errors.
var engineGonePhrases = []string{"connection refused", "connection reset", "unexpected eof", "broken pipe", "session not found", "no such session"}

// engineGone reports whether an error says the engine went away rather than the build failed.
func engineGone(message string) bool {
	lower := strings.ToLower(message)
	return slices.ContainsFunc(engineGonePhrases, func(phrase string) bool { return strings.Contains(lower, phrase) })
}

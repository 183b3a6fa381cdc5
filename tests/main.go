// Tests checks stepimage as another Dagger module uses it: one test per bundled example, built
// through the generated bindings and checked from inside the image (`dagger call -m tests all`).
//
// Each exported function is one test, named after its folder under /examples: it validates the
// example's settings files, builds the example with dag.Stepimage(), and asserts from inside
// the built containers. A test returns a short account of what it checked, or an error that
// says what was expected and what was found. All runs every test, three at a time, and ends
// its report with "N passed, M failed". The CLI, the engine's log, registries and exported
// tarballs are the integration tests' (integration/), not this module's.
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"dagger/tests/internal/dagger"
)

// Tests holds no state: every test takes its inputs as arguments.
type Tests struct{}

// concurrency is how many tests All runs at once: enough to overlap the slow builds, few
// enough not to starve an engine that others share.
const concurrency = 3

type testCase struct {
	name string
	run  func(context.Context) (string, error)
}

type outcome struct {
	name     string
	summary  string
	err      error
	duration time.Duration
}

// All runs every test (three at a time) and prints one line per test, the failures in full,
// and a last line "N passed, M failed". Fails when any test fails.
// +cache="never"
func (m *Tests) All(
	ctx context.Context,
	// The examples directory of the repository.
	// +defaultPath="/examples"
	examples *dagger.Directory,
) (string, error) {
	// Slowest first, so that they overlap the quick ones.
	cases := []testCase{
		{"Sklearn", func(ctx context.Context) (string, error) { return m.Sklearn(ctx, examples) }},
		{"PrivateIndex", func(ctx context.Context) (string, error) { return m.PrivateIndex(ctx, examples) }},
		{"Gpu", func(ctx context.Context) (string, error) { return m.Gpu(ctx, examples) }},
		{"PyprojectUv", func(ctx context.Context) (string, error) { return m.PyprojectUv(ctx, examples) }},
		{"CustomDockerfile", func(ctx context.Context) (string, error) { return m.CustomDockerfile(ctx, examples) }},
		{"SkipBuild", func(ctx context.Context) (string, error) { return m.SkipBuild(ctx, examples) }},
	}
	outcomes := make([]outcome, len(cases))
	var g errgroup.Group
	g.SetLimit(concurrency)
	var mu sync.Mutex
	for i, tc := range cases {
		g.Go(func() error {
			started := time.Now()
			summary, err := tc.run(ctx)
			mu.Lock()
			outcomes[i] = outcome{name: tc.name, summary: summary, err: err, duration: time.Since(started)}
			mu.Unlock()
			return nil // a failed test must not cancel the others
		})
	}
	_ = g.Wait()
	return report(outcomes)
}

// report formats the outcomes; the last line is "N passed, M failed".
func report(outcomes []outcome) (string, error) {
	var b strings.Builder
	passed, failed := 0, 0
	for _, o := range outcomes {
		if o.err == nil {
			passed++
			fmt.Fprintf(&b, "PASS %-17s %6.1fs  %s\n", o.name, o.duration.Seconds(), firstLine(o.summary))
		} else {
			failed++
			fmt.Fprintf(&b, "FAIL %-17s %6.1fs\n%s\n", o.name, o.duration.Seconds(), indent(o.err.Error()))
		}
	}
	fmt.Fprintf(&b, "%d passed, %d failed", passed, failed)
	if failed > 0 {
		return "", errors.New(b.String())
	}
	return b.String(), nil
}

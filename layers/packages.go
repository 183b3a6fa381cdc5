package layers

import (
	"context"
	"fmt"
	"os"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
)

// packages applies a layered install: it runs the resolve on a throwaway copy of ctr, asks the
// plan for the buckets of what it found, installs each bucket from ctr and merges their
// changes onto ctr. Where the plan says the layered layout cannot reproduce the sequential
// installs, it applies the plan's sequential layers instead.
func (img *Image) packages(ctx context.Context, ctr *dagger.Container, layer plan.Layer) (*dagger.Container, error) {
	scratch := ctr
	for _, exec := range layer.Execs {
		scratch = img.run(scratch, layer.Kind, exec, nil)
	}
	resolve := layer.Execs[len(layer.Execs)-1]
	output, err := scratch.File(resolve.Stdout).Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("resolving the requirements: %w", err)
	}
	resolution, err := plan.ParseResolution(output)
	if err != nil {
		return nil, err
	}
	buckets, reason := img.Plan.Buckets(resolution)
	if reason != "" {
		// The module's stderr is the caller's build output.
		fmt.Fprintf(os.Stderr, "stepimage: installing the requirements in sequence (sequential layout), because %s\n", reason)
		for _, source := range layer.Sources {
			ctr = ctr.With(img.layer(source))
		}
		return ctr, nil
	}
	base := ctr
	for _, bucket := range buckets {
		installed := img.run(base, layer.Kind, bucket.Exec, nil)
		// Without a filter or an owner this is BuildKit's lazy merge of the diff: each
		// bucket's layer is cached on its own, like COPY --link.
		ctr = ctr.WithDirectory("/", base.Rootfs().Diff(installed.Rootfs()))
	}
	return ctr, nil
}

package published

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Tag points tag (a reference in the same repository) at the manifest of pinned as it is, byte
// for byte, so that the tag's digest is the content tag's. It does nothing when the tag already
// points there: registries with immutable tags accept an unchanged re-publish.
func Tag(ctx context.Context, pinned, tag string, credentials []Credentials, options ...remote.Option) error {
	source, err := name.NewDigest(pinned, name.Insecure)
	if err != nil {
		return fmt.Errorf("parsing image reference %q: %w", pinned, err)
	}
	target, err := name.NewTag(tag, name.Insecure)
	if err != nil {
		return fmt.Errorf("parsing image tag %q: %w", tag, err)
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	opts := withAuth(ctx, target.Context(), credentials, options)
	if current, err := remote.Head(target, opts...); err == nil && current.Digest.String() == source.DigestStr() {
		return nil
	} else if err != nil && !IsMissing(err) {
		return fmt.Errorf("looking up %s: %w", tag, err)
	}
	descriptor, err := remote.Get(source, opts...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", pinned, err)
	}
	if err := remote.Tag(target, descriptor, opts...); err != nil {
		return fmt.Errorf("tagging %s as %s: %w", pinned, tag, err)
	}
	return nil
}

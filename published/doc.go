// Package published answers, with go-containerregistry, whether an image reference already
// exists in a registry, and which registries a sandboxed module function can reach directly.
// It does not import Dagger: the check is unit-tested against go-containerregistry's in-process
// registry.
package published

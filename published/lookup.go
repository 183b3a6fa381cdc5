package published

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Credentials are a username and password (or token) for one registry host.
type Credentials struct {
	Host     string
	Username string
	Password string
}

// Timeout bounds every registry operation: a registry that accepts connections but never
// answers must not stall a build without limit.
const Timeout = 30 * time.Second

// Lookup reports whether ref exists and, if so, its digest-pinned reference
// (repository@sha256:...). A missing repository or tag is (""), false, nil; any other failure
// (unreachable, refused credentials) is an error, so that a caller does not mistake an outage
// for a missing image and rebuild needlessly, nor push where it cannot read.
func Lookup(ctx context.Context, ref string, credentials []Credentials, options ...remote.Option) (string, bool, error) {
	parsed, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return "", false, fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	descriptor, err := remote.Head(parsed, withAuth(ctx, parsed.Context(), credentials, options)...)
	if err != nil {
		if IsMissing(err) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("looking up %s: %w", ref, err)
	}
	return parsed.Context().Name() + "@" + descriptor.Digest.String(), true, nil
}

// IsMissing reports whether a registry error means "no such repository or tag".
func IsMissing(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && (terr.StatusCode == http.StatusNotFound || hasCode(terr, transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode))
}

// missingPhrases are how the engine (BuildKit's resolver) and registries say that a
// reference does not exist, as opposed to a registry that cannot be reached.
var missingPhrases = []string{": not found", "manifest unknown", "name unknown", "404 not found", "repository name not known"}

// MissingMessage reports whether an error message from the engine means "no such image": the
// engine returns text, not a status code.
func MissingMessage(message string) bool {
	lower := strings.ToLower(message)
	return slices.ContainsFunc(missingPhrases, func(phrase string) bool { return strings.Contains(lower, phrase) })
}

func withAuth(ctx context.Context, repo name.Repository, credentials []Credentials, options []remote.Option) []remote.Option {
	return append([]remote.Option{remote.WithContext(ctx), remote.WithAuth(authFor(repo.RegistryStr(), credentials))}, options...)
}

func hasCode(err *transport.Error, codes ...transport.ErrorCode) bool {
	return slices.ContainsFunc(err.Errors, func(diagnostic transport.Diagnostic) bool {
		return slices.Contains(codes, diagnostic.Code)
	})
}

func authFor(host string, credentials []Credentials) authn.Authenticator {
	for _, c := range credentials {
		// Normalised as go-containerregistry does: "docker.io" is "index.docker.io".
		if r, err := name.NewRegistry(c.Host, name.Insecure); err == nil && r.RegistryStr() == host || c.Host == host {
			return authn.FromConfig(authn.AuthConfig{Username: c.Username, Password: c.Password})
		}
	}
	return authn.Anonymous
}

// ReachableFromSandbox reports whether a module function can talk to the registry of ref
// itself. A module runs in its own network namespace: a registry on the caller's loopback
// (localhost, 127.0.0.0/8, ::1), as CI jobs and local tests use, is reachable from the engine
// only, so such lookups must go through the engine instead.
func ReachableFromSandbox(ref string) bool {
	parsed, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return false
	}
	// Docker reads a leading "localhost/" as a registry; go-containerregistry as a Hub namespace.
	if strings.HasPrefix(ref, "localhost/") {
		return false
	}
	host := parsed.Context().RegistryStr()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return false
	}
	return true
}

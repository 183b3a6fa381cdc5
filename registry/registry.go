package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
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

// lookupTimeout bounds a reuse check: a slow registry must not stall a build for long.
const lookupTimeout = 30 * time.Second

// Lookup reports whether ref exists and, if so, its digest-pinned reference
// (repository@sha256:...). A missing repository or tag is (""), false, nil; any other failure
// (unreachable, refused credentials) is an error, so that a caller does not mistake an outage
// for a missing image and rebuild needlessly, nor push where it cannot read.
func Lookup(ctx context.Context, ref string, credentials []Credentials, options ...remote.Option) (string, bool, error) {
	parsed, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return "", false, fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	options = append([]remote.Option{remote.WithContext(ctx), remote.WithAuth(authFor(parsed.Context().RegistryStr(), credentials))}, options...)
	descriptor, err := remote.Head(parsed, options...)
	if err != nil {
		var terr *transport.Error
		if errors.As(err, &terr) && (terr.StatusCode == http.StatusNotFound || hasCode(terr, transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode)) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("looking up %s: %w", ref, err)
	}
	return parsed.Context().Name() + "@" + descriptor.Digest.String(), true, nil
}

func hasCode(err *transport.Error, codes ...transport.ErrorCode) bool {
	for _, diagnostic := range err.Errors {
		for _, code := range codes {
			if diagnostic.Code == code {
				return true
			}
		}
	}
	return false
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

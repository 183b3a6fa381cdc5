package published

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// serve starts go-containerregistry's in-process registry, optionally behind basic auth, and
// pushes one random image as <host>/team/app:present.
func serve(t *testing.T, user, password string) (host, digest string) {
	t.Helper()
	handler := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	if user != "" {
		inner := handler
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	host = strings.TrimPrefix(server.URL, "http://")

	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host+"/team/app:present", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	auth := remote.WithAuth(authFor(host, []Credentials{{Host: host, Username: user, Password: password}}))
	if err := remote.Write(ref, img, auth); err != nil {
		t.Fatalf("pushing the test image: %v", err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return host, d.String()
}

func TestLookup(t *testing.T) {
	host, digest := serve(t, "", "")
	tests := []struct {
		name      string
		ref       string
		wantFound bool
	}{
		{"present tag", host + "/team/app:present", true},
		{"missing tag", host + "/team/app:absent", false},
		{"missing repository", host + "/team/other:present", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pinned, found, err := Lookup(context.Background(), tc.ref, nil)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if found != tc.wantFound {
				t.Fatalf("found = %v, want %v", found, tc.wantFound)
			}
			if found && pinned != host+"/team/app@"+digest {
				t.Errorf("pinned = %q, want %q", pinned, host+"/team/app@"+digest)
			}
		})
	}
}

func TestLookupWithCredentials(t *testing.T) {
	host, digest := serve(t, "ci", "s3cret")
	ref := host + "/team/app:present"

	pinned, found, err := Lookup(context.Background(), ref, []Credentials{{Host: host, Username: "ci", Password: "s3cret"}})
	if err != nil || !found || !strings.HasSuffix(pinned, digest) {
		t.Fatalf("with credentials: pinned=%q found=%v err=%v", pinned, found, err)
	}
	// Refused credentials are an error, not "missing": a caller must not rebuild and push
	// where it cannot even read.
	if _, found, err := Lookup(context.Background(), ref, nil); err == nil || found {
		t.Fatalf("without credentials: found=%v err=%v, want an error", found, err)
	}
	if _, _, err := Lookup(context.Background(), ref, []Credentials{{Host: "other.example", Username: "ci", Password: "s3cret"}}); err == nil {
		t.Fatal("credentials of another host must not be sent")
	}
}

func TestLookupErrors(t *testing.T) {
	if _, _, err := Lookup(context.Background(), "Not A Reference", nil); err == nil || !strings.Contains(err.Error(), "parsing image reference") {
		t.Errorf("bad reference: err = %v", err)
	}
	// Nothing listens on this port: an outage is an error, not a missing image.
	server := httptest.NewServer(http.NotFoundHandler())
	host := strings.TrimPrefix(server.URL, "http://")
	server.Close()
	if _, found, err := Lookup(context.Background(), host+"/team/app:x", nil); err == nil || found {
		t.Errorf("unreachable registry: found=%v err=%v, want an error", found, err)
	}
}

func TestReachableFromSandbox(t *testing.T) {
	tests := map[string]bool{
		"ghcr.io/acme/app:tag":                true,
		"registry.internal:5000/team/app:tag": true,
		"10.0.0.5:5000/app:tag":               true,
		"localhost:5000/app:tag":              false,
		"localhost/app:tag":                   false,
		"127.0.0.1:5000/app:tag":              false,
		"127.1.2.3:5000/app:tag":              false,
		"[::1]:5000/app:tag":                  false,
		"registry.localhost:5000/app:tag":     false,
		"python:3.11-slim":                    true, // Docker Hub
		"not a reference":                     false,
	}
	for ref, want := range tests {
		if got := ReachableFromSandbox(ref); got != want {
			t.Errorf("ReachableFromSandbox(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestAuthForNormalisesDockerHub(t *testing.T) {
	credentials := []Credentials{{Host: "docker.io", Username: "me", Password: "pw"}}
	auth, err := authFor("index.docker.io", credentials).Authorization()
	if err != nil || auth.Username != "me" {
		t.Fatalf("docker.io credentials for index.docker.io: %+v, %v", auth, err)
	}
	if anonymous, _ := authFor("ghcr.io", credentials).Authorization(); anonymous.Username != "" {
		t.Fatalf("docker.io credentials sent to ghcr.io")
	}
}

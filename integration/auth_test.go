//go:build integration

package integration

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// A registry that demands credentials (go-containerregistry's, behind basic auth, on this
// machine's loopback, which the engine reaches): publish must push and reuse with the
// credentials given as a secret, and fail without them.
func TestPublishWithRegistryCredentials(t *testing.T) {
	t.Parallel()
	const user = "ci"
	password := fmt.Sprintf("pw-%d", time.Now().UnixNano())
	var refused atomic.Int32
	inner := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			refused.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="stepimage-test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	defer server.Close()
	host := strings.TrimPrefix(server.URL, "http://")

	dir := project(t, map[string]string{
		"settings.yaml": fmt.Sprintf(`settings:
  docker:
    target_repository: private/app
    environment:
      FRESH: "%d"
    requirements: [six==1.16.0]
`, time.Now().UnixNano()),
	})
	env := []string{"REGISTRY_PASSWORD=" + password}
	publish := []string{"with-registry-auth", "--address=" + host, "--username=" + user, "--secret=env://REGISTRY_PASSWORD",
		"publish", "--config=settings.yaml", "--source=.", "--registry=" + host + "/team"}

	first := callEnv(t, dir, env, publish...)
	if first.err != nil {
		t.Fatalf("publish with credentials: %v\n%s", first.err, tail(first.log, 40))
	}
	ref := strings.TrimSpace(first.stdout)
	if !strings.HasPrefix(ref, host+"/team/private/app:sha256-") {
		t.Fatalf("publish printed %q", ref)
	}
	if strings.Contains(first.log, password) {
		t.Fatal("the registry password appears in the engine's output")
	}
	auth := remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: user, Password: password}))
	if _, err := remote.Head(mustRef(t, ref), auth); err != nil {
		t.Fatalf("the pushed image is not in the registry: %v", err)
	}

	second := callEnv(t, dir, env, publish...)
	if second.err != nil || strings.TrimSpace(second.stdout) != ref || !strings.Contains(second.log, "reusing it, nothing built") {
		t.Fatalf("second publish must reuse %s with the credentials: %v\n%s", ref, second.err, tail(second.log, 30))
	}

	before := refused.Load()
	anonymous := call(t, dir, publish[4:]...)
	if anonymous.err == nil {
		t.Fatalf("publish without credentials succeeded: %s", anonymous.stdout)
	}
	if refused.Load() == before {
		t.Fatal("the registry refused nothing: the anonymous publish never reached it")
	}
}

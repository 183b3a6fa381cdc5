package published

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestTagCopiesTheManifestAndMovesNothingWhenUnchanged: the extra tag names the same manifest
// as the pinned reference, byte for byte, and an unchanged re-tag writes nothing.
func TestTagCopiesTheManifestAndMovesNothingWhenUnchanged(t *testing.T) {
	host, digest := serve(t, "", "")
	pinned := host + "/team/app@" + digest
	for range 2 {
		if err := Tag(context.Background(), pinned, host+"/team/app:stable", nil); err != nil {
			t.Fatalf("Tag: %v", err)
		}
		got, found, err := Lookup(context.Background(), host+"/team/app:stable", nil)
		if err != nil || !found || got != pinned {
			t.Fatalf("after Tag, the tag resolves to %q (found=%v, err=%v), want %q", got, found, err, pinned)
		}
	}
}

func TestTagNeedsCredentialsWhereTheRegistryDoes(t *testing.T) {
	host, digest := serve(t, "ci", "s3cret")
	pinned := host + "/team/app@" + digest
	if err := Tag(context.Background(), pinned, host+"/team/app:v1", nil); err == nil {
		t.Fatal("tagging without credentials succeeded")
	}
	if err := Tag(context.Background(), pinned, host+"/team/app:v1", []Credentials{{Host: host, Username: "ci", Password: "s3cret"}}); err != nil {
		t.Fatalf("tagging with credentials: %v", err)
	}
}

// TestRegistryThatNeverAnswersIsAnErrorInBoundedTime: a server that accepts connections and
// says nothing is an error when the deadline passes, not a missing image.
func TestRegistryThatNeverAnswersIsAnErrorInBoundedTime(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	started := time.Now()
	ref := silent.Addr().String() + "/team/app:x"
	_, found, err := Lookup(ctx, ref, nil, remote.WithTransport(remote.DefaultTransport))
	if err == nil || found {
		t.Fatalf("Lookup of a silent registry: found=%v err=%v, want an error", found, err)
	}
	if elapsed := time.Since(started); elapsed > 10*time.Second {
		t.Errorf("Lookup took %s, want it bounded by the deadline", elapsed)
	}
	if err := Tag(ctx, silent.Addr().String()+"/team/app@sha256:"+strings.Repeat("a", 64), ref, nil); err == nil {
		t.Error("Tag on a silent registry succeeded")
	}
}

func TestMissingMessage(t *testing.T) {
	for message, want := range map[string]bool{
		"failed to resolve source metadata for localhost:5000/it/x:sha256-1: localhost:5000/it/x:sha256-1: not found": true,
		"GET http://r/v2/x/manifests/t: MANIFEST_UNKNOWN: manifest unknown":                                           true,
		"NAME_UNKNOWN: repository name not known to registry":                                                         true,
		"dial tcp 127.0.0.1:5001: connect: connection refused":                                                        false,
		"unexpected status 401 Unauthorized":                                                                          false,
	} {
		if got := MissingMessage(message); got != want {
			t.Errorf("MissingMessage(%q) = %v, want %v", message, got, want)
		}
	}
}

//go:build integration

package integration

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// image is an exported image read with go-containerregistry: its config and every file of
// every layer, so a test can look for a value anywhere.
type image struct {
	config *v1.ConfigFile
	raw    []byte            // the config as stored
	files  map[string][]byte // path → contents, later layers win
	layers [][]byte          // each layer's uncompressed tar stream
}

func readTarball(t *testing.T, path string) *image {
	t.Helper()
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatalf("reading image tarball %s: %v", path, err)
	}
	return inspect(t, img)
}

func inspect(t *testing.T, img v1.Image) *image {
	t.Helper()
	out := &image{files: map[string][]byte{}}
	var err error
	if out.config, err = img.ConfigFile(); err != nil {
		t.Fatalf("reading image config: %v", err)
	}
	if out.raw, err = img.RawConfigFile(); err != nil {
		t.Fatalf("reading raw image config: %v", err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatalf("listing layers: %v", err)
	}
	for i, layer := range layers {
		data, err := layerBytes(layer)
		if err != nil {
			t.Fatalf("reading layer %d: %v", i, err)
		}
		out.layers = append(out.layers, data)
		reader := tar.NewReader(bytes.NewReader(data))
		for {
			header, err := reader.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("reading layer %d: %v", i, err)
			}
			if header.Typeflag == tar.TypeReg {
				contents, _ := io.ReadAll(reader)
				out.files[strings.TrimPrefix(header.Name, "./")] = contents
			}
		}
	}
	return out
}

func layerBytes(layer v1.Layer) ([]byte, error) {
	rc, err := layer.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (img *image) file(path string) string { return string(img.files[path]) }

// find reports where value occurs: the config (env, labels, history) or a layer's bytes.
func (img *image) find(value string) string {
	if bytes.Contains(img.raw, []byte(value)) {
		return "image config"
	}
	history, _ := json.Marshal(img.config.History)
	if bytes.Contains(history, []byte(value)) {
		return "image history"
	}
	for i, layer := range img.layers {
		if bytes.Contains(layer, []byte(value)) {
			return fmt.Sprintf("layer %d", i)
		}
	}
	return ""
}

func (img *image) env(name string) string {
	for _, kv := range img.config.Config.Env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v
		}
	}
	return ""
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"dagger/tests/internal/dagger"
)

// The private index the test runs: pypiserver behind basic auth, reachable from the install
// steps as http://index:8080. The URL with its credentials is the secret.
const (
	indexAlias    = "index"
	indexUser     = "stepimage"
	indexPassword = "tests-pass-5c1b9e"
	indexURL      = "http://" + indexUser + ":" + indexPassword + "@" + indexAlias + ":8080/simple/"
	privatePkg    = "stepimage-private-demo"
)

// htpasswdScript writes an Apache htpasswd file with passlib (pypiserver reads it with passlib).
const htpasswdScript = `import sys
from passlib.apache import HtpasswdFile
ht = HtpasswdFile(sys.argv[1], new=True)
ht.set_password(sys.argv[2], sys.argv[3])
ht.save()
`

// probeScript fetches the index's page of the private package, with and without credentials,
// and prints the HTTP status of each.
const probeScript = `import base64, sys, urllib.request, urllib.error
def status(auth):
    req = urllib.request.Request(sys.argv[1])
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return f"{resp.status} {'wheel listed' if b'.whl' in resp.read() else 'no wheel'}"
    except urllib.error.HTTPError as err:
        return str(err.code)
print("anonymous:", status(None))
print("with credentials:", status(sys.argv[2]))
`

// PrivateIndex builds examples/private-index against a real private index: pypiserver with
// basic auth, run as a Dagger service holding a wheel built from the example's
// private-package/. The index URL with its credentials is a Dagger secret. The private package
// must import in the image, and the secret must appear nowhere in the image: not in its
// environment, config or history, nor in any layer of its export.
// +cache="never"
func (m *Tests) PrivateIndex(
	ctx context.Context,
	// +defaultPath="/examples"
	examples *dagger.Directory,
) (string, error) {
	src, _, err := example(ctx, examples, "private-index")
	if err != nil {
		return "", err
	}
	config := src.File("settings.yaml")
	source, err := src.File("private-package/src/stepimage_private_demo/__init__.py").Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the private package's source: %w", err)
	}
	match := regexp.MustCompile(`(?m)^VALUE = "([^"]+)"`).FindStringSubmatch(source)
	if match == nil {
		return "", fmt.Errorf("private-package/src/stepimage_private_demo/__init__.py defines no VALUE = \"...\"")
	}
	value := match[1]

	index := privateIndex(src.Directory("private-package"))

	// The index itself: it must refuse anonymous reads, or the test would prove nothing.
	probe, err := exec(ctx, dag.Container().From("python:3.11-slim").WithServiceBinding(indexAlias, index),
		"python", "-c", probeScript, "http://"+indexAlias+":8080/simple/"+privatePkg+"/", indexUser+":"+indexPassword)
	if err != nil {
		return "", fmt.Errorf("probing the private index: %w", err)
	}
	if err := expectLines("private index probe", probe, "anonymous: 401", "with credentials: 200 wheel listed"); err != nil {
		return "", err
	}

	// Without the secret the build must stop before building, naming the placeholder.
	_, err = dag.Stepimage().Build(config, src).Sync(ctx)
	if err := expectError("build without --secret PRIVATE_INDEX_URL", err, "PRIVATE_INDEX_URL"); err != nil {
		return "", err
	}

	secret := dag.SetSecret("tests-private-index-url", indexURL)
	ctr := dag.Stepimage().
		WithService(indexAlias, index).
		WithSecret("PRIVATE_INDEX_URL", secret).
		Build(config, src)
	out, err := exec(ctx, ctr, "python", "check.py")
	if err != nil {
		return "", err
	}
	if err := expectLines("check.py", out, "stepimage_private_demo.VALUE = "+value, "six 1.16.0"); err != nil {
		return "", err
	}

	// The image's environment: no index variable, no credentials.
	vars, err := ctr.EnvVariables(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the image's environment: %w", err)
	}
	for _, v := range vars {
		name, err := v.Name(ctx)
		if err != nil {
			return "", err
		}
		val, err := v.Value(ctx)
		if err != nil {
			return "", err
		}
		if name == "UV_INDEX" || strings.Contains(val, indexPassword) {
			return "", fmt.Errorf("the image's environment has %s=%q: the secret index URL must not reach the image", name, val)
		}
	}

	// Every byte of the exported image: config, history and each layer, uncompressed.
	where, found, err := searchImage(ctx, ctr, indexURL, indexUser+":"+indexPassword, value)
	if err != nil {
		return "", err
	}
	if len(where[value]) == 0 {
		// The private package's code is in a layer: if the search cannot see it, it proves nothing.
		return "", fmt.Errorf("the image search did not find the private package's VALUE %q in any layer: the search is broken", value)
	}
	for _, needle := range []string{indexURL, indexUser + ":" + indexPassword} {
		if len(where[needle]) > 0 {
			return "", fmt.Errorf("the secret (%q) is in the exported image: %s", needle, strings.Join(where[needle], ", "))
		}
	}
	sequential := dag.Stepimage(sequentialLayout).WithService(indexAlias, index).WithSecret("PRIVATE_INDEX_URL", secret).Build(config, src)
	packages, err := sameAsSequential(ctx, "private-index image", ctr, sequential)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("private package installed through the authenticated index; secret absent from env and from %d layers + config; layered = sequential (%d packages)", found, packages), nil
}

// privateIndex is pypiserver serving a wheel of pkg, with basic auth on list and download.
func privateIndex(pkg *dagger.Directory) *dagger.Service {
	python := dag.Container().From("python:3.11-slim").
		WithMountedCache("/root/.cache/pip", dag.CacheVolume("stepimage-tests-pip"))
	wheels := python.
		WithDirectory("/src", pkg).
		WithExec([]string{"python", "-m", "pip", "wheel", "--no-deps", "--wheel-dir=/packages", "/src"}).
		Directory("/packages")
	return python.
		WithExec([]string{"python", "-m", "pip", "install", "pypiserver==2.4.2", "passlib==1.7.4"}).
		WithExec([]string{"python", "-c", htpasswdScript, "/srv/htpasswd.txt", indexUser, indexPassword}).
		WithoutMount("/root/.cache/pip").
		WithDirectory("/packages", wheels).
		WithExposedPort(8080).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{
			"pypi-server", "run", "--port=8080", "--passwords=/srv/htpasswd.txt",
			"--authenticate=update,download,list", "--disable-fallback", "/packages",
		}})
}

// searchImage exports ctr and reports, for each needle, where it occurs: "config" (env,
// labels, history) or "layer N" (its uncompressed tar stream). It also returns the number of
// layers searched.
func searchImage(ctx context.Context, ctr *dagger.Container, needles ...string) (map[string][]string, int, error) {
	dir, err := os.MkdirTemp("", "image-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "image.tar")
	if _, err := ctr.AsTarball().Export(ctx, path); err != nil {
		return nil, 0, fmt.Errorf("exporting the image: %w", err)
	}
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the exported image: %w", err)
	}
	where := map[string][]string{}
	config, err := img.RawConfigFile()
	if err != nil {
		return nil, 0, fmt.Errorf("reading the image config: %w", err)
	}
	for _, needle := range needles {
		if bytes.Contains(config, []byte(needle)) {
			where[needle] = append(where[needle], "config")
		}
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, 0, fmt.Errorf("listing layers: %w", err)
	}
	for i, layer := range layers {
		found, err := searchLayer(layer, needles)
		if err != nil {
			return nil, 0, fmt.Errorf("reading layer %d: %w", i, err)
		}
		for _, needle := range found {
			where[needle] = append(where[needle], fmt.Sprintf("layer %d", i))
		}
	}
	return where, len(layers), nil
}

// searchLayer streams a layer's uncompressed bytes and returns the needles it contains. Reads
// overlap by the longest needle, so a match across two reads is found.
func searchLayer(layer v1.Layer, needles []string) ([]string, error) {
	rc, err := layer.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	longest := 0
	for _, n := range needles {
		longest = max(longest, len(n))
	}
	found := map[string]bool{}
	buf := make([]byte, 0, 1<<20+longest)
	chunk := make([]byte, 1<<20)
	for {
		n, readErr := rc.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for _, needle := range needles {
			if !found[needle] && bytes.Contains(buf, []byte(needle)) {
				found[needle] = true
			}
		}
		if len(buf) > longest {
			buf = append(buf[:0], buf[len(buf)-longest:]...)
		}
		if errors.Is(readErr, io.EOF) {
			break
		}
		if readErr != nil {
			return nil, readErr
		}
	}
	var out []string
	for _, needle := range needles {
		if found[needle] {
			out = append(out, needle)
		}
	}
	return out, nil
}

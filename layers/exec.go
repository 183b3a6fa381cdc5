package layers

import (
	"fmt"
	"maps"
	"slices"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
)

// execs runs a layer's execs in order. A scratch exec runs on a throwaway copy of the image,
// which later scratch execs of the layer continue; its Stdout file is what a later exec's
// MountOutput reads.
func (img *Image) execs(ctr *dagger.Container, layer plan.Layer) *dagger.Container {
	var scratch *dagger.Container
	outputs := map[string]*dagger.File{}
	for _, exec := range layer.Execs {
		if !exec.Scratch {
			ctr = img.run(ctr, layer.Kind, exec, outputs)
			continue
		}
		if scratch == nil {
			scratch = ctr
		}
		scratch = img.run(scratch, layer.Kind, exec, outputs)
		if exec.Stdout != "" {
			outputs[exec.Stdout] = scratch.File(exec.Stdout)
		}
	}
	return ctr
}

// run attaches what the exec mounts and sets, runs it, and detaches it all again, so that
// nothing but the exec's own changes lands in the image.
func (img *Image) run(ctr *dagger.Container, kind plan.Kind, exec plan.Exec, outputs map[string]*dagger.File) *dagger.Container {
	if exec.Network {
		for _, alias := range slices.Sorted(maps.Keys(img.inputs.Services)) {
			// The engine cannot unbind a service: later execs see it too; it never reaches the image.
			ctr = ctr.WithServiceBinding(alias, img.inputs.Services[alias])
		}
	}
	for _, m := range exec.Mounts {
		ctr = img.mount(ctr, kind, m, outputs)
	}
	for _, env := range exec.Env {
		ctr = ctr.WithEnvVariable(env.Name, env.Value)
	}
	// Without a CA directory to mount, the engine's cheaper path could leave its certificate
	// in the image: such an exec keeps the image's PATH.
	withoutSbin := exec.WithoutSbin && img.certs != nil
	if withoutSbin {
		ctr = ctr.WithEnvVariable("PATH", plan.PathWithoutSbin(img.path)).WithMountedDirectory(plan.CACertsDir, img.certs)
	}
	ctr = ctr.WithExec(exec.Argv, dagger.ContainerWithExecOpts{RedirectStdout: exec.Stdout})
	if withoutSbin {
		ctr = img.restorePath(ctr.WithoutMount(plan.CACertsDir))
	}
	for _, env := range exec.Env {
		ctr = ctr.WithoutEnvVariable(env.Name)
	}
	for _, m := range slices.Backward(exec.Mounts) {
		ctr = ctr.WithoutMount(m.Target)
	}
	return ctr
}

func (img *Image) mount(ctr *dagger.Container, kind plan.Kind, m plan.Mount, outputs map[string]*dagger.File) *dagger.Container {
	switch m.Kind {
	case plan.MountCache:
		opts := dagger.ContainerWithMountedCacheOpts{}
		if m.Locked {
			opts.Sharing = dagger.CacheSharingModeLocked
		}
		return ctr.WithMountedCache(m.Target, dag.CacheVolume(m.Volume), opts)
	case plan.MountOutput:
		return ctr.WithMountedFile(m.Target, outputs[m.Target])
	case plan.MountText:
		return ctr.WithMountedFile(m.Target, dag.Directory().WithNewFile("file", m.Text).File("file"))
	case plan.MountTemp:
		return ctr.WithMountedTemp(m.Target)
	case plan.MountInput:
		if m.Layer != "" {
			kind = m.Layer
		}
		if dir := img.dirs[kind]; dir != nil {
			return ctr.WithMountedDirectory(m.Target, dir)
		}
		return ctr.WithMountedFile(m.Target, img.files[kind])
	}
	panic(fmt.Sprintf("layers: the plan mounts %q, a kind this package does not know", m.Kind))
}

// restorePath gives the image its own PATH back after a WithoutSbin exec.
func (img *Image) restorePath(ctr *dagger.Container) *dagger.Container {
	if img.path == "" {
		return ctr.WithoutEnvVariable("PATH")
	}
	return ctr.WithEnvVariable("PATH", img.path)
}

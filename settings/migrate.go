package settings

// migrate applies ZenML's handling of deprecated fields to one settings document, so that merging
// and resolution only ever see the current fields. It runs per document (before merging), as
// ZenML's validators do, so a step's deprecated field overrides the pipeline's current one.
func (d *decoder) migrate(ds *DockerSettings, path string) {
	field := func(name string) string { return joinPath(path, name) }

	if ds.Dockerignore != nil {
		if ds.BuildConfig != nil && ds.BuildConfig.Dockerignore != nil {
			d.warnAt(field("dockerignore"), "deprecated and ignored, because build_config.dockerignore is also set; remove it")
		} else {
			if ds.BuildConfig == nil {
				ds.BuildConfig = &DockerBuildConfig{}
				d.pos[field("build_config")] = d.pos[field("dockerignore")]
			}
			v := *ds.Dockerignore
			ds.BuildConfig.Dockerignore = &v
			d.pos[field("build_config.dockerignore")] = d.pos[field("dockerignore")]
			d.warnAt(field("dockerignore"), "deprecated; use build_config.dockerignore (applied as such)")
		}
	}

	if ds.BuildOptions != nil {
		if ds.ParentImageBuildConfig == nil {
			ds.ParentImageBuildConfig = &DockerBuildConfig{}
		}
		// The explicit new field wins over the deprecated one, key by key.
		ds.ParentImageBuildConfig.BuildOptions = mergeAnyMaps(ds.BuildOptions, ds.ParentImageBuildConfig.BuildOptions)
		// Later messages about the migrated value point at the deprecated key. Without a position
		// of its own, the value would be located at the settings block of whichever level is being
		// resolved, so every step would repeat the pipeline's warning under its own name.
		for _, f := range []string{"parent_image_build_config", "parent_image_build_config.build_options"} {
			if _, set := d.pos[field(f)]; !set {
				d.pos[field(f)] = d.pos[field("build_options")]
			}
		}
		for k := range ds.BuildOptions {
			target := field("parent_image_build_config.build_options." + k)
			if _, set := d.pos[target]; !set {
				d.pos[target] = d.pos[field("build_options."+k)]
			}
		}
		d.warnAt(field("build_options"), "deprecated; use parent_image_build_config.build_options (applied as such)")
	}

	if ds.SourceFiles != nil {
		d.migrateSourceFiles(ds, path)
	}

	for _, name := range []string{"copy_files", "copy_global_config", "required_hub_plugins"} {
		if _, set := d.pos[field(name)]; set {
			d.warnAt(field(name), "deprecated in ZenML and has no effect; remove it")
		}
	}

	if le := ds.ReplicateLocalPythonEnvironment; le != nil && !le.IsBool {
		d.warnAt(field("replicate_local_python_environment"),
			"a method or command here is deprecated in ZenML; use true (pip freeze), or pyproject_path with pyproject_export_command")
	}

	if v := ds.DisableAutomaticRequirementsDetection; v != nil && !*v {
		d.warnAt(field("disable_automatic_requirements_detection"),
			"automatic detection of requirements files is not supported; name them in requirements or pyproject_path")
	}
}

// migrateSourceFiles maps source_files onto the three allow_* flags exactly as ZenML does
// (including that no mode allows artifact-store downloads, which did not exist back then).
func (d *decoder) migrateSourceFiles(ds *DockerSettings, path string) {
	field := joinPath(path, "source_files")
	if ds.AllowIncludingFilesInImages != nil || ds.AllowDownloadFromCodeRepository != nil || ds.AllowDownloadFromArtifactStore != nil {
		d.warnAt(field, "deprecated and ignored, because allow_including_files_in_images / allow_download_from_* are also set; remove it")
		return
	}
	include, repo := false, false
	switch *ds.SourceFiles {
	case "download":
		repo = true
	case "include":
		include = true
	case "download_or_include":
		include, repo = true, true
	}
	store := false
	ds.AllowIncludingFilesInImages = &include
	ds.AllowDownloadFromCodeRepository = &repo
	ds.AllowDownloadFromArtifactStore = &store
	for _, name := range []string{"allow_including_files_in_images", "allow_download_from_code_repository", "allow_download_from_artifact_store"} {
		d.pos[joinPath(path, name)] = d.pos[field]
	}
	d.warnAt(field, "deprecated; use allow_including_files_in_images, allow_download_from_code_repository and allow_download_from_artifact_store (applied as such)")
}

package settings

// migrate applies ZenML's handling of deprecated fields to one settings document, so that merging
// and resolution only ever see the current fields. It runs per document (before merging), as
// ZenML's validators do, so a step's source_files overrides the pipeline's allow_* flags.
// dockerignore and build_options are not migrated, as in ZenML 0.98 (see resolve).
func (d *decoder) migrate(ds *DockerSettings, path string) {
	field := func(name string) string { return joinPath(path, name) }

	// ZenML 0.98 deprecates dockerignore without migrating it: the image build uses the merged
	// build_config.dockerignore, else the merged dockerignore (resolve applies that precedence).
	if ds.Dockerignore != nil {
		d.warnAt(field("dockerignore"), "deprecated; use build_config.dockerignore (ZenML uses this one only when build_config.dockerignore is unset, at every level)")
	}

	// ZenML 0.98 deprecates build_options without migrating it, and nothing reads it.
	if ds.BuildOptions != nil {
		d.warnAt(field("build_options"), "deprecated and has no effect (ZenML 0.98 ignores it); use parent_image_build_config.build_options for the dockerfile build, or build_config.build_options")
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

"""Dockerfiles that ZenML itself generates for run configurations (differential test oracle).

Usage (in the venv made by hack/zenml/generate.sh):

    python hack/zenml/dockerfiles.py CONFIG... > zenml-dockerfiles.json

For each run configuration this runs ZenML's own code path, as `pipeline.with_options(
config_path=CONFIG)()` would on a remote orchestrator:

  1. Pipeline._compile(config_path=...): parses the file, applies it to a pipeline whose steps
     are named after the configuration's `steps:` keys, and compiles it with ZenML's Compiler
     (step settings merged over pipeline settings by StepConfiguration.apply_pipeline_configuration,
     DockerSettings validated by the SettingsResolver, ${VAR} placeholders substituted).
  2. The images ContainerizedOrchestrator.get_docker_builds would request: the pipeline-level
     image, and one per step whose merged DockerSettings differ from the pipeline's.
  3. PipelineDockerImageBuilder.build_docker_image for each, with an image builder that records
     the Dockerfile instead of building (gather_requirements_files and
     _generate_zenml_pipeline_dockerfile run unchanged).

What is stubbed, because it needs a ZenML server or a real stack:
  - Client().active_stack → StubStack: a containerized (non-local) orchestrator, no stack
    requirements or apt packages, no container registry, and the step operators / experiment
    trackers the configuration names (so the compiler's existence check passes).
  - compiler.get_zenml_versions (asks the server for its version).
  - the image builder and the container engine (they would build, tag and push).
  - files the configuration names but that do not exist (requirements file, Dockerfile,
    dockerignore) are created as placeholders in a scratch copy of the configuration's
    directory: corpus files come without their projects. They are listed in "stubbed_files".
  - ${NAME} placeholders get the value "<name in lower case>-value" (listed in "vars"), so
    that the Go side can pass the same values.

Output (stdout, JSON):

  {"zenml_version", "python_version", "docker_settings_fields",
   "configs": [{"path", "abspath", "vars", "stubbed_files", "steps", "error", "error_scope",
                "images": [{"step", "steps", "same_as_pipeline", "skip_build", "parent_image",
                            "image", "builds", "dockerfile", "files", "error"}]}]}

  - "error" is ZenML's refusal (exception type and message): at config level when compiling
    fails, per image when building would fail. "error_scope" says whether a config-level
    refusal concerns the Docker settings ("docker") or only other fields of the run
    configuration ("run-config").
  - "dockerfile" is null when ZenML builds nothing (the parent runs as it is).
  - "files" are the requirement files ZenML generated (.zenml_*); "builds" the images it
    built (a dockerfile parent first).
"""

import argparse
import contextlib
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import traceback
from typing import Any, Dict, List, Optional
from unittest import mock

# Keep ZenML away from the user's global configuration and analytics.
_SCRATCH = tempfile.mkdtemp(prefix="stepimage-zenml-")
os.environ["ZENML_CONFIG_PATH"] = os.path.join(_SCRATCH, "zenconfig")
os.environ["ZENML_ANALYTICS_OPT_IN"] = "false"
os.environ.setdefault("ZENML_LOGGING_VERBOSITY", "ERROR")
os.environ["ZENML_ENABLE_RICH_TRACEBACK"] = "false"
# ZenML runs `uv export` for pyproject_path on the client: the venv's uv (generate.sh installs it).
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

import yaml  # noqa: E402

import zenml  # noqa: E402
from zenml.config import compiler  # noqa: E402
from zenml.config.build_configuration import BuildConfiguration  # noqa: E402
from zenml.config.docker_settings import DockerSettings  # noqa: E402
from zenml.constants import ORCHESTRATOR_DOCKER_IMAGE_KEY  # noqa: E402
from zenml.pipelines import pipeline_definition  # noqa: E402
from zenml.utils import env_utils, pipeline_docker_image_builder  # noqa: E402

# Fields of DockerSettings that name files relative to the working directory.
_FILE_FIELDS = ("dockerfile", "dockerignore", "requirements")
_PLACEHOLDER = env_utils.ENV_VARIABLE_PLACEHOLDER_PATTERN


class _RecordingBuildContext:
    """Stands in for the image builder's build context: keeps the files added to it."""

    def __init__(self, root: Optional[str] = None, dockerignore_file: Optional[str] = None):
        self.root = root
        self.dockerignore_file = dockerignore_file
        self.files: Dict[str, str] = {}

    def add_file(self, source: str, destination: str) -> None:
        self.files[destination] = source


class _RecordingImageBuilder:
    """An image builder that records the Dockerfile ZenML generated instead of building."""

    build_context_class = _RecordingBuildContext
    is_building_locally = False

    def __init__(self) -> None:
        self.builds: List[Dict[str, Any]] = []

    def build(self, image_name: str, build_context: _RecordingBuildContext, **_: Any) -> str:
        self.builds.append({"image": image_name, "files": dict(build_context.files)})
        return image_name


class _ContainerEngine:
    """The container engine is only used to tag, push and look up images; nothing to do here."""

    def is_image_local(self, image: str) -> bool:
        return False

    def tag_image(self, image: str, target: str) -> None:
        pass

    def push_image(self, image: str, container_registry: Any) -> str:
        return image


class _Flavor:
    def __init__(self, flavor: str) -> None:
        self.flavor = flavor


class StubStack:
    """The few stack attributes the compiler and the image builder read.

    A non-local orchestrator, so that Docker settings are "used" (ZenML would otherwise only
    warn), and no component that adds requirements or apt packages.
    """

    name = "stepimage-difftest"

    def __init__(self, step_operators: List[str], experiment_trackers: List[str]) -> None:
        self._components: Dict[Any, Any] = {}
        self.components: Dict[Any, Any] = {}
        self.all_components: List[Any] = []
        self.orchestrator = _Flavor("kubernetes")
        self.step_operator = None
        self.deployer = None
        self.step_operators = {name: _Flavor("stub") for name in step_operators}
        self.experiment_trackers = {name: _Flavor("stub") for name in experiment_trackers}
        self.setting_classes: Dict[str, Any] = {}
        self.apt_packages: List[str] = []
        self.image_builder = _RecordingImageBuilder()
        self.container_registry = None

    def requirements(self) -> set:
        return set()

    def validate(self, *args: Any, **kwargs: Any) -> None:
        pass


def _python_name(name: str) -> str:
    """A Python identifier for a step or parameter name (the ZenML name is set separately)."""
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit():
        ident = "_" + ident
    return ident


# A step that no configuration lists, as real pipelines have: it runs in the pipeline image.
UNLISTED_STEP = "difftest_unlisted_step"


def _make_pipeline(raw: Dict[str, Any], workdir: str) -> Any:
    """A pipeline whose step invocations are the configuration's steps, with their parameters.

    The code is written to a module file and imported: ZenML reads the source of steps.
    """
    lines = ["from typing import Any", "from zenml import pipeline, step", ""]
    calls = []
    configured = dict(_dict(raw.get("steps")))
    configured.setdefault(UNLISTED_STEP, {})
    for i, (name, config) in enumerate(configured.items()):
        params = _dict(_dict(config).get("parameters"))
        signature = ", ".join(f"{_python_name(p)}: Any = None" for p in params)
        lines += [f"@step(name={name!r})", f"def step_{i}({signature}) -> None:", "    pass", ""]
        calls.append(f"    step_{i}(id={name!r})")
    signature = ", ".join(f"{_python_name(p)}: Any = None" for p in _dict(raw.get("parameters")))
    lines += ['@pipeline(name="difftest_pipeline")', f"def difftest_pipeline({signature}) -> None:"]
    lines += calls + [""]
    module = f"difftest_{len(os.listdir(_SCRATCH))}_{os.path.basename(workdir)}"
    module_path = os.path.join(_SCRATCH, "modules", module + ".py")
    os.makedirs(os.path.dirname(module_path), exist_ok=True)
    with open(module_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    spec = importlib.util.spec_from_file_location(module, module_path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[module] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.difftest_pipeline


def _dict(value: Any) -> Dict[str, Any]:
    """The value if it is a mapping, else an empty one: ZenML reports malformed blocks itself."""
    return value if isinstance(value, dict) else {}


def _names(raw: Dict[str, Any], key: str) -> List[str]:
    """Names of stack components the configuration's steps ask for (step_operator: name)."""
    out = []
    for config in _dict(raw.get("steps")).values():
        value = _dict(config).get(key)
        if isinstance(value, str):
            out.append(value)
    return out


def _referenced_files(raw: Dict[str, Any]) -> List[str]:
    """Relative file paths named by the docker settings of the pipeline and of every step."""
    blocks = [_dict(_dict(raw.get("settings")).get("docker"))]
    for config in _dict(raw.get("steps")).values():
        blocks.append(_dict(_dict(_dict(config).get("settings")).get("docker")))
    paths = []
    for docker in blocks:
        values = [docker.get(field) for field in _FILE_FIELDS]
        values += [_dict(docker.get(field)).get("dockerignore") for field in ("build_config", "parent_image_build_config")]
        paths += [v for v in values if isinstance(v, str) and not os.path.isabs(v)]
    return paths


def _pyproject_path(raw: Dict[str, Any]) -> Optional[str]:
    """The pipeline-level pyproject_path: its directory is mirrored, never stubbed (ZenML runs
    `uv export` there, which may write a lock file)."""
    value = _dict(_dict(raw.get("settings")).get("docker")).get("pyproject_path")
    return value if isinstance(value, str) and not os.path.isabs(value) else None


def _materialise(workdir: str, source: str, rel_dir: str) -> bool:
    """Make workdir/rel_dir a real directory mirroring source/rel_dir, and every directory on the
    way: files are copied (tools ZenML runs may write next to them), subdirectories symlinked
    until they are needed. Nothing is ever written under source. False when rel_dir leaves
    source."""
    parts = [p for p in os.path.normpath(rel_dir).split(os.sep) if p not in ("", ".")]
    if ".." in parts:
        return False
    dst, src = workdir, source
    for part in [""] + parts:
        if part:
            dst, src = os.path.join(dst, part), os.path.join(src, part)
        if os.path.islink(dst):
            os.unlink(dst)
        if os.path.isdir(dst) and os.path.exists(os.path.join(dst, ".mirrored")):
            continue
        os.makedirs(dst, exist_ok=True)
        if os.path.isdir(src):
            for entry in os.listdir(src):
                s, d = os.path.join(src, entry), os.path.join(dst, entry)
                if os.path.lexists(d):
                    continue
                if os.path.isdir(s):
                    os.symlink(s, d)
                else:
                    shutil.copy2(s, d)
        open(os.path.join(dst, ".mirrored"), "w").close()
    return True


def _error(exc: BaseException) -> str:
    message = str(exc).strip() or repr(exc)
    return f"{type(exc).__name__}: {message}"


def _scope(exc: BaseException) -> str:
    """Whether a refusal concerns the Docker settings ("docker") or other fields of the run
    configuration ("run-config": parameters, build, execution_mode...), which stepimage ignores."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            locations = [e.get("loc", ()) for e in errors()]
        except Exception:  # not a pydantic error after all
            locations = []
        if locations and not any("docker" in map(str, loc) for loc in locations) and \
                "DockerSettings" not in str(exc):
            return "run-config"
    return "docker" if "docker" in str(exc).lower() else "run-config"


@contextlib.contextmanager
def _environment(values: Dict[str, str]):
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _image(settings: Any, stack: StubStack, step_name: str) -> Dict[str, Any]:
    """What build_docker_image does for one image: its Dockerfile, or ZenML's refusal."""
    out: Dict[str, Any] = {"skip_build": bool(settings.skip_build), "parent_image": settings.parent_image}
    build = BuildConfiguration(key=ORCHESTRATOR_DOCKER_IMAGE_KEY, settings=settings, step_name=step_name or None)
    stack.image_builder.builds.clear()
    try:
        image, dockerfile, _ = pipeline_docker_image_builder.PipelineDockerImageBuilder().build_docker_image(
            docker_settings=settings,
            tag="difftest",
            stack=stack,  # type: ignore[arg-type]
            include_files=build.should_include_files(code_repository=None),
            entrypoint=build.entrypoint,
            extra_files=build.extra_files,
            extra_requirements_files=build.extra_requirements_files,
        )
    except Exception as exc:  # ZenML's refusal is the result we record
        out["error"] = _error(exc)
        return out
    out["image"] = image
    out["dockerfile"] = dockerfile
    # With a dockerfile, ZenML first builds it as an intermediate image (the parent).
    out["builds"] = [b["image"] for b in stack.image_builder.builds]
    if stack.image_builder.builds:
        # The requirement files ZenML generated into the build context, for comparison.
        files = stack.image_builder.builds[-1]["files"]
        out["files"] = {k: v for k, v in files.items() if k.startswith(".zenml_")}
    return out


def run_config(path: str) -> Dict[str, Any]:
    with open(path, "r", encoding="utf-8") as f:
        text = f.read()
    result: Dict[str, Any] = {"path": path, "abspath": os.path.abspath(path), "images": []}
    raw = yaml.safe_load(text) or {}
    if not isinstance(raw, dict):
        result["error"] = "ValueError: not a mapping"
        return result
    names = sorted(set(_PLACEHOLDER.findall(text)))
    result["vars"] = {name: f"{name.lower()}-value" for name in names}
    result["steps"] = list(_dict(raw.get("steps")).keys())

    # Work in a scratch mirror of the configuration's directory: relative paths are relative to
    # the working directory in ZenML, and missing files are stubbed without touching the tree.
    workdir = tempfile.mkdtemp(dir=_SCRATCH)
    source = os.path.dirname(os.path.abspath(path))
    _materialise(workdir, source, ".")
    stubbed = []
    for rel in _referenced_files(raw) + [p for p in [_pyproject_path(raw)] if p]:
        if not _materialise(workdir, source, os.path.dirname(rel)):
            continue  # outside the configuration's directory: ZenML reports it if missing
        target = os.path.join(workdir, rel)
        if os.path.exists(target) or rel == _pyproject_path(raw):
            continue
        with open(target, "w", encoding="utf-8") as f:
            f.write("# placeholder written by hack/zenml/dockerfiles.py\nFROM scratch\n"
                    if os.path.basename(rel).lower().endswith("dockerfile") else
                    "# placeholder written by hack/zenml/dockerfiles.py\nplaceholder-requirement\n")
        stubbed.append(rel)
    result["stubbed_files"] = sorted(set(stubbed))
    config_path = os.path.join(workdir, os.path.basename(path))

    stack = StubStack(_names(raw, "step_operator"), _names(raw, "experiment_tracker"))

    class _Client:
        active_stack = stack

    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        with _environment(result["vars"]), \
                mock.patch.object(pipeline_definition, "Client", _Client), \
                mock.patch.object(compiler, "get_zenml_versions", lambda: (zenml.__version__, zenml.__version__)), \
                mock.patch.object(pipeline_docker_image_builder, "get_container_engine", _ContainerEngine):
            try:
                p = _make_pipeline(raw, workdir)
                p.prepare()
                snapshot, _, _ = p._compile(config_path=config_path)
            except Exception as exc:
                result["error"] = _error(exc)
                result["error_scope"] = _scope(exc)
                return result

            pipeline_settings = snapshot.pipeline_configuration.docker_settings
            image = _image(pipeline_settings, stack, "")
            image.update(step="", same_as_pipeline=True,
                         steps=[n for n, s in snapshot.step_configurations.items()
                                if s.config.docker_settings == pipeline_settings])
            result["images"].append(image)
            # ContainerizedOrchestrator.get_docker_builds: a step gets its own image when its
            # merged settings differ from the pipeline's.
            for name, step_config in snapshot.step_configurations.items():
                settings = step_config.config.docker_settings
                if settings == pipeline_settings:
                    continue
                image = _image(settings, stack, name)
                image.update(step=name, same_as_pipeline=False, steps=[name])
                result["images"].append(image)
    finally:
        os.chdir(cwd)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("configs", nargs="+", metavar="CONFIG")
    args = parser.parse_args()

    logging.disable(logging.WARNING)
    out = {
        "zenml_version": zenml.__version__,
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        # So that the Go side can tell a field ZenML does not know from one stepimage lacks.
        "docker_settings_fields": sorted(DockerSettings.model_fields),
        "configs": [],
    }
    try:
        for path in args.configs:
            # ZenML prints warnings and rich tracebacks of its own; keep stdout for the JSON.
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    entry = run_config(path)
                except Exception:  # a harness bug, not a ZenML verdict: say so loudly
                    traceback.print_exc()
                    return 1
            out["configs"].append(entry)
    finally:
        shutil.rmtree(_SCRATCH, ignore_errors=True)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0

if __name__ == "__main__":
    sys.exit(main())

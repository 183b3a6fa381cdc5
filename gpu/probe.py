#!/usr/bin/env python3
"""stepimage GPU probe: reports what an image offers for CUDA, as one JSON object.

Runs inside a built image, with or without a GPU, on any Python >= 3.8, using
only the standard library, because the images it inspects may hold nothing
else (python:3.11-slim). Every section is gathered defensively: a failure is
recorded as an "error" string in that section and the script still prints
valid JSON and exits 0, since a crash would tell the Go side less than a
report that says what went wrong.

Usage: python3 probe.py [--gpu]
  --gpu  also run nvidia-smi (only meaningful when the container has GPU access)

stdout carries exactly one JSON object. Anything libraries print while being
imported is redirected to stderr (at the file-descriptor level, so C code
writing to fd 1 cannot corrupt the JSON either).
"""

import glob
import json
import os
import re
import subprocess
import sys

PROBE_NAME = "stepimage-gpu-probe"
SCHEMA = 1

ENV_KEYS = (
    "CUDA_VERSION",
    "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
    "LD_LIBRARY_PATH",
)

# Distributions whose presence or version says something about CUDA.
INTERESTING_EXACT = ("torch", "jax", "jaxlib", "tensorflow", "tensorflow-gpu")
INTERESTING_PREFIXES = ("cupy", "nvidia-", "jax-cuda", "tensorflow-")


def err(exc):
    """One-line description of an exception, for the JSON report."""
    return "%s: %s" % (type(exc).__name__, exc)


def site_dirs():
    """Directories where pip-installed packages may live (site- and dist-packages)."""
    dirs = []
    try:
        import site

        dirs.extend(site.getsitepackages())
        user = site.getusersitepackages()
        if isinstance(user, str):
            dirs.append(user)
    except Exception:
        pass
    for p in sys.path:
        if p.endswith("site-packages") or p.endswith("dist-packages"):
            dirs.append(p)
    out = []
    for d in dirs:
        if d and d not in out and os.path.isdir(d):
            out.append(d)
    return out


def cudart_version_from_name(name):
    """libcudart.so.12.1.105 -> "12.1.105"; libcudart.so.12 -> "12"; else ""."""
    m = re.search(r"\.so\.(\d+(?:\.\d+)*)$", name)
    return m.group(1) if m else ""


def find_libcudart():
    # Locations cover: nvidia/cuda images (/usr/local/cuda*/lib64), distro
    # packages, LD_LIBRARY_PATH, conda environments (pytorch/pytorch images
    # keep cudart in <prefix>/lib), pip CUDA wheels (nvidia/cuda_runtime/lib),
    # and old torch wheels that vendored a hashed libcudart-<hash>.so.N in torch/lib.
    # nvidia/cu13/lib is looked at too in case CUDA 13 wheels use a shared
    # directory; a directory that does not exist costs nothing.
    dirs = []
    dirs.extend(sorted(glob.glob("/usr/local/cuda*/lib64")))
    dirs.extend(sorted(glob.glob("/usr/local/cuda*/targets/*/lib")))
    dirs.extend(["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64"])
    for d in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep):
        if d:
            dirs.append(d)
    dirs.append(os.path.join(sys.prefix, "lib"))
    for sp in site_dirs():
        dirs.append(os.path.join(sp, "nvidia", "cuda_runtime", "lib"))
        dirs.append(os.path.join(sp, "nvidia", "cu13", "lib"))
        dirs.append(os.path.join(sp, "torch", "lib"))

    files = []
    seen = set()
    searched = []
    for d in dirs:
        d = os.path.normpath(d)
        if d in searched:
            continue
        searched.append(d)
        if not os.path.isdir(d):
            continue
        for path in sorted(glob.glob(os.path.join(d, "libcudart*.so*"))):
            if path in seen:
                continue
            seen.add(path)
            real = os.path.realpath(path)
            # The real file name carries the full version; the link name
            # (libcudart.so.12) often only the major.
            version = cudart_version_from_name(os.path.basename(real)) or cudart_version_from_name(
                os.path.basename(path)
            )
            files.append({"path": path, "real": real, "version": version})
    return {"files": files, "searched": searched}


def list_packages():
    from importlib import metadata  # Python >= 3.8; older: the section fails

    items = {}
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"] or ""
        except Exception:
            continue
        norm = re.sub(r"[-_.]+", "-", name).lower()
        if not (norm in INTERESTING_EXACT or norm.startswith(INTERESTING_PREFIXES)):
            continue
        if norm in items:
            # The first distribution found is the one import would pick.
            continue
        items[norm] = {"name": norm, "version": dist.version or ""}
    return [items[k] for k in sorted(items)]


def probe_torch():
    import importlib.util
    import warnings

    out = {"installed": False, "imported": False}
    try:
        out["installed"] = importlib.util.find_spec("torch") is not None
    except Exception as e:
        out["error"] = err(e)
        return out
    if not out["installed"]:
        return out
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            torch_details(out)
        except Exception as e:
            out["error"] = err(e)
    # Warnings explain failures torch does not raise for, such as
    # "The NVIDIA driver on your system is too old".
    msgs = []
    for w in caught:
        m = str(w.message).strip()
        if m and m not in msgs:
            msgs.append(m)
    if msgs:
        out["warnings"] = msgs
    return out


def torch_details(out):
    import torch

    out["imported"] = True
    out["version"] = str(torch.__version__)
    out["cuda"] = getattr(torch.version, "cuda", None)  # None for CPU-only builds
    try:
        out["cudnn"] = torch.backends.cudnn.version()
    except Exception as e:
        out["cudnn_error"] = err(e)
    try:
        out["cuda_available"] = bool(torch.cuda.is_available())
    except Exception as e:
        out["cuda_available"] = False
        out["cuda_error"] = err(e)
    try:
        out["device_count"] = int(torch.cuda.device_count())
    except Exception as e:
        out["device_count"] = 0
        out["device_count_error"] = err(e)
    devices = []
    if out["cuda_available"]:
        for i in range(out["device_count"]):
            try:
                devices.append(str(torch.cuda.get_device_name(i)))
            except Exception as e:
                devices.append("error: " + err(e))
    out["devices"] = devices
    if out["cuda_available"]:
        out["compute"] = torch_compute(torch)


def torch_compute(torch):
    n = 64
    expected = float(n * n * n)  # sum of a 64x64 matrix whose entries are all 64
    res = {"expected": expected, "ok": False}
    try:
        a = torch.ones((n, n), device="cuda:0")
        b = torch.ones((n, n), device="cuda:0")
        s = (a @ b).sum()
        torch.cuda.synchronize()
        got = float(s.item())
        res["result"] = got
        res["ok"] = got == expected
    except Exception as e:
        res["error"] = err(e)
    return res


def run(argv, timeout=30):
    res = {"argv": argv}
    try:
        p = subprocess.run(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
        res["rc"] = p.returncode
        res["stdout"] = p.stdout.decode("utf-8", "replace")
        res["stderr"] = p.stderr.decode("utf-8", "replace")
    except Exception as e:
        res["error"] = err(e)
    return res


def probe_nvidia_smi():
    return {
        "list": run(["nvidia-smi", "-L"]),
        "query": run(
            [
                "nvidia-smi",
                "--query-gpu=name,driver_version,memory.total",
                "--format=csv,noheader",
            ]
        ),
    }


def section(report, key, fn):
    # A section that fails as a whole is null, with the reason under "errors",
    # so each section keeps one JSON shape for the parser.
    try:
        report[key] = fn()
    except (Exception, SystemExit) as e:  # SystemExit: a library calling exit() on import
        report[key] = None
        report.setdefault("errors", []).append("%s: %s" % (key, err(e)))


def gather(gpu):
    report = {
        "probe": PROBE_NAME,
        "schema": SCHEMA,
        "python": sys.version,
        "gpu_mode": gpu,
    }
    section(report, "env", lambda: {k: os.environ[k] for k in ENV_KEYS if k in os.environ})
    section(report, "libcudart", find_libcudart)
    section(report, "packages", list_packages)
    section(report, "torch", probe_torch)
    if gpu:
        section(report, "nvidia_smi", probe_nvidia_smi)
    return report


def main(argv):
    gpu = "--gpu" in argv[1:]
    # Keep fd 1 for the JSON alone: point fd 1 (and sys.stdout) at stderr
    # while gathering, and write the report through a saved copy of fd 1.
    saved = None
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
    except Exception:
        saved = None
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        report = gather(gpu)
    except BaseException as e:  # includes SystemExit from a misbehaving import
        report = {"probe": PROBE_NAME, "schema": SCHEMA, "python": sys.version, "errors": [err(e)]}
    finally:
        sys.stdout = real_stdout
        try:
            sys.stderr.flush()
        except Exception:
            pass
    data = (json.dumps(report, sort_keys=True, default=str) + "\n").encode("utf-8")
    if saved is not None:
        while data:
            n = os.write(saved, data)
            data = data[n:]
        os.close(saved)
    else:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

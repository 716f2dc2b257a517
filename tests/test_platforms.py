"""Installs where instructors work: the kit's dependencies resolve on each platform.

pip resolves for a machine it is not running on (``--platform``, ``--python-version``,
``--only-binary=:all:``), but it evaluates environment markers (``platform_system ==
"Windows"``) against the machine it runs on: ``--platform`` changes only which wheels
fit.  That holds for the kit's own requirements and for their dependencies' (tqdm needs
colorama on Windows only).  So, for each target, the markers of ``pyproject.toml`` are
evaluated here with ``packaging`` for that target, which gives the target's requirement
list; and pip resolves that list with its own marker environment set to the target's, so
that the dependencies' markers are the target's too (the report's ``environment`` shows
that it took).

Resolution reads PyPI's metadata and nothing else: nothing is installed, nothing runs.
A platform that resolves here may still fail to run the grader (README says which ran).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from course_paths import ROOT
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from autograder.gradescope import IMAGE_PYTHON, pinned_requirements

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

pytestmark = pytest.mark.slow

TENSORFLOWS = {"tensorflow", "tensorflow-cpu"}

# pip, with the marker environment it evaluates every marker against replaced by the
# target's before any of pip is imported (pip's own copy of packaging reads it per call).
PIP_FOR_TARGET = """\
import json, sys
from pip._vendor.packaging import markers
target = json.loads(sys.argv[1])
host = markers.default_environment
markers.default_environment = lambda: {**host(), **target}
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def manylinux(arch: str, glibc_minor: int) -> tuple[str, ...]:
    """Every manylinux tag a Linux with glibc 2.<glibc_minor> accepts.

    pip expands ``manylinux2014`` to the older legacy tags but never ``manylinux_2_X``
    to lower X; libclang, which TensorFlow needs, has legacy tags only."""
    return (
        *(f"manylinux_2_{m}_{arch}" for m in range(glibc_minor, 4, -1)),
        f"manylinux2014_{arch}",
    )


@dataclass(frozen=True)
class Target:
    """A machine to resolve for: its wheel tags and its marker environment."""

    name: str
    platforms: tuple[str, ...]
    system: str  # platform_system
    machine: str  # platform_machine
    tensorflow: str  # the distribution the markers must choose there
    python: str = "3.11"
    extra: dict = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """The values markers are evaluated against on that machine."""
        windows = self.system == "Windows"
        return {
            **default_environment(),
            "os_name": "nt" if windows else "posix",
            "sys_platform": {"Windows": "win32", "Darwin": "darwin"}.get(self.system, "linux"),
            "platform_system": self.system,
            "platform_machine": self.machine,
            "platform_release": "",
            "platform_version": "",
            "python_version": self.python,
            "python_full_version": f"{self.python}.0",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            **self.extra,
        }


# glibc 2.28: RHEL 8, Debian 10, Ubuntu 20.04 and newer.  macOS 12: TensorFlow's floor.
PLATFORMS = [
    Target("macOS arm64", ("macosx_12_0_arm64",), "Darwin", "arm64", "tensorflow"),
    Target("Linux aarch64", manylinux("aarch64", 28), "Linux", "aarch64", "tensorflow"),
    Target("Linux x86_64", manylinux("x86_64", 28), "Linux", "x86_64", "tensorflow-cpu"),
    Target("Windows amd64", ("win_amd64",), "Windows", "AMD64", "tensorflow-cpu"),
    # TensorFlow's last macOS x86_64 wheels are 2.16's.
    Target("macOS x86_64", ("macosx_12_0_x86_64",), "Darwin", "x86_64", "tensorflow"),
]
# Gradescope's image: Ubuntu 22.04 (glibc 2.35), Python 3.10.
GRADESCOPE = Target(
    "Gradescope Ubuntu 22.04 Python 3.10",
    manylinux("x86_64", 35),
    "Linux",
    "x86_64",
    "tensorflow-cpu",
    python="3.10",
    extra={"python_full_version": IMAGE_PYTHON},
)


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def for_target(specs: list[str], env: dict[str, str]) -> list[Requirement]:
    """The requirements whose markers hold on the target (markers evaluated for it)."""
    reqs = [Requirement(spec) for spec in specs]
    return [r for r in reqs if r.marker is None or r.marker.evaluate(env)]


def bare(req: Requirement) -> str:
    """The requirement without its marker."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def run_pip(job: Job, tmp: Path) -> tuple[subprocess.CompletedProcess, dict | None]:
    """pip's installation report for a job's requirements on its target; nothing is
    installed.  The requirements go to pip with their markers already evaluated."""
    target = job.target
    report = tmp / f"{canonicalize_name(job.kind)}-{canonicalize_name(target.name)}.json"
    command = [sys.executable, "-c", PIP_FOR_TARGET, json.dumps(target.environment())]
    command += ["install", "--dry-run", "--quiet", "--ignore-installed", "--only-binary=:all:"]
    command += ["--python-version", target.python, "--report", str(report), *job.options]
    for tag in target.platforms:
        command += ["--platform", tag]
    command += [bare(r) for r in job.requirements()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return done, json.loads(report.read_text()) if done.returncode == 0 else None


def chosen(report: dict) -> dict[str, tuple[str, str]]:
    """Name -> (version, file) of what pip would install."""
    return {
        canonicalize_name(item["metadata"]["name"]): (
            item["metadata"]["version"],
            item["download_info"]["url"].rsplit("/", 1)[-1],
        )
        for item in report["install"]
    }


@dataclass(frozen=True)
class Job:
    """One resolution: what is installed (``kind``) on which machine."""

    kind: str
    target: Target
    specs: tuple[str, ...]
    options: tuple[str, ...] = ()

    def requirements(self) -> list[Requirement]:
        return for_target(list(self.specs), self.target.environment())


def jobs() -> list[Job]:
    """``pip install .`` on each platform and on Gradescope's Python 3.10; what ``make``
    installs on each platform; the Gradescope zip's requirements.txt on its image."""
    core = tuple(project()["dependencies"])
    extras = project()["optional-dependencies"]
    make = (*core, *extras["course"], *extras["dev"])
    constrained = ("--constraint", str(ROOT / "constraints.txt"))
    return [
        *(Job("core", t, core) for t in [*PLATFORMS, GRADESCOPE]),
        *(Job("make", t, make, constrained) for t in PLATFORMS),
        Job("requirements.txt", GRADESCOPE, tuple(pinned_requirements().splitlines())),
    ]


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict[tuple[str, str], tuple]:
    """Every job resolved, six at a time (pip mostly waits on PyPI)."""
    try:
        urllib.request.urlopen("https://pypi.org/simple/tensorflow/", timeout=20).close()
    except (urllib.error.URLError, OSError) as exc:
        pytest.skip(
            f"PYPI IS UNREACHABLE ({exc}): the dependencies were NOT resolved for any platform"
        )
    tmp = tmp_path_factory.mktemp("resolved")
    todo = jobs()
    with ThreadPoolExecutor(max_workers=6) as pool:
        done = list(pool.map(lambda job: run_pip(job, tmp), todo))
    return {(job.kind, job.target.name): (job, *result) for job, result in zip(todo, done)}


def check(resolved: dict, kind: str, target: Target) -> dict[str, tuple[str, str]]:
    """The job resolved for its target: the TensorFlow its markers choose there, in range,
    and every requirement met; the report shows pip evaluated markers for the target."""
    job, done, report = resolved[(kind, target.name)]
    assert done.returncode == 0, f"{target.name} does not resolve:\n{done.stderr[-3000:]}"
    env = target.environment()
    assert {k: report["environment"][k] for k in env} == env, "pip used the host's markers"
    reqs = job.requirements()
    assert TENSORFLOWS & {canonicalize_name(r.name) for r in reqs} == {target.tensorflow}
    installed = chosen(report)
    assert TENSORFLOWS & set(installed) == {target.tensorflow}
    for req in reqs:
        version, _ = installed[canonicalize_name(req.name)]
        assert req.specifier.contains(version, prereleases=True), (req, version)
    version, file = installed[target.tensorflow]
    # a binary wheel for that machine (pip chose it among the target's tags only)
    assert all(tag.platform != "any" for tag in parse_wheel_filename(file)[3]), file
    print(f"{kind} on {target.name}: {target.tensorflow} {version}, numpy {installed['numpy'][0]}")
    return installed


@pytest.mark.parametrize("target", [*PLATFORMS, GRADESCOPE], ids=lambda t: t.name)
def test_core_dependencies_resolve(target, resolved):
    """``pip install .``: the core dependencies, their markers evaluated for the target."""
    check(resolved, "core", target)


@pytest.mark.parametrize("target", PLATFORMS, ids=lambda t: t.name)
def test_makes_install_resolves(target, resolved):
    """What ``make demo`` and ``make test`` install: the core, the course and dev extras,
    with constraints.txt; where a pin's marker holds, the pinned version is chosen."""
    installed = check(resolved, "make", target)
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pins = for_target([line for line in lines if line.split("#")[0].strip()], target.environment())
    for pin in pins:
        name = canonicalize_name(pin.name)
        assert name not in installed or installed[name][0] in pin.specifier, pin
    pinned = {canonicalize_name(pin.name) for pin in pins}
    assert (target.tensorflow in pinned) == (target.name != "macOS x86_64"), pinned


def test_gradescopes_requirements_resolve_on_its_image(resolved):
    """The zip's requirements.txt, as built here, installs on Gradescope's image: a version
    tested here that needs Python 3.11 must not be pinned there."""
    installed = check(resolved, "requirements.txt", GRADESCOPE)
    assert "tomli" in installed  # Python 3.10: its marker holds there

"""Release: from the master notebook to the student version, with real nbgrader.

``python -m autograder release`` does, in order:

1. sets each test cell's points in ``source/`` from the check definitions
   (one definition: the notebook never disagrees with the grader);
2. rebuilds the answer key from the reference solution;
3. writes the public checks package next to the master notebook
   (``source/<assignment>/public_checks/``, committed like the release, so that
   ``nbgrader generate_assignment --force`` in a fresh clone has it to copy; nbgrader
   copies it into the release, which is committed: the public checks' probes and
   expected values, and the self-contained modules that run them), and packs
   the same files into the notebook's locked loader cell, so that the student
   notebook works opened alone (Colab opens one notebook, not its folder);
4. runs ``nbgrader generate_assignment``, which strips solutions and hidden
   tests and copies the folder into ``release/``;
5. writes the solved notebook ``solutions/<assignment>.ipynb`` (the release
   with the reference code in its solution cells): what a perfect student submits;
6. writes the translated editions and their solved twins (:mod:`autograder.editions`).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import nbformat

from . import course, key
from .checks import points_by_grade_id, probe_digest, registry
from .editions import write_editions
from .notebook import grade_id, nbgrader_meta, read_notebook, source_path
from .stated import write_stated

PACKAGE = Path(__file__).resolve().parent
#: Modules copied into the release: they must import nothing from the kit.
SHIPPED_MODULES = (
    "wire.py",
    "answers.py",
    "mistakes.py",
    "compare.py",
    "worker.py",
    "verdicts.py",
    "standins.py",
)
#: Probe fields that need the reference functions; public checks run without them (a
#: probe's ``substitute`` stays: the public check swaps in recorded stand-ins instead).
_REFERENCE_ONLY = ("loss_after", "model_outputs")
_SOLUTION = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def sync_points(path: Path | None = None) -> bool:
    """Set test cells' points from the check definitions; True when the file changed."""
    path = path or source_path()
    notebook = nbformat.read(str(path), as_version=4)
    points = points_by_grade_id()
    changed = False
    for cell in notebook.cells:
        gid = grade_id(cell)
        meta = nbgrader_meta(cell)
        if gid and gid.startswith("test_") and meta.get("grade"):
            want = points[gid[len("test_") :]]
            if meta.get("points") != want:
                meta["points"] = want
                changed = True
    if changed:
        nbformat.write(notebook, str(path))
    return changed


def _recorded(probe: dict, expected: dict) -> dict[str, list[dict]]:
    """The calls recorded for each function the probe substitutes: the assignment's
    ``recorded_tables``, or none (its stand-ins then say a call was not recorded)."""
    tables = getattr(registry().module, "recorded_tables", None)
    if tables is None:
        return {name: [] for name in probe.get("substitute", [])}
    return tables(probe, expected)


def _public_deferrals(check, checks) -> list[str]:
    """The names of the public checks ``check`` defers to (its ``defers_to``), in order."""
    names = []
    for target in check.defers_to:
        names += [
            c.name
            for c in checks
            if c.public
            and c is not check
            and (c.grade_id == target or (c.grade_id == check.grade_id and c.title == target))
        ]
    return names


def public_data() -> dict:
    """The public checks as data: probes, the reference's answers, verdicts, hints, and
    for probes that call earlier functions the replies recorded for those calls."""
    answer_key = key.load()
    entries = []
    checks = registry().checks
    functions = registry().functions
    for c in checks:
        if not c.public:
            continue
        probes = [{k: v for k, v in p.items() if k not in _REFERENCE_ONLY} for p in c.probes]
        expected = [answer_key.answers[probe_digest(p)] for p in c.probes]
        standins = [_recorded(p, e) for p, e in zip(c.probes, expected)]
        uses = [n for n in functions if any(n in p.get("substitute", []) for p in c.probes)]
        entries.append(
            {
                "grade_id": c.grade_id,
                "name": c.name,
                "hint": c.hint,
                "probes": probes,
                "expected": expected,
                "assertions": c.assertions,
                "uses": uses,
                "standins": standins,
                "defers_to": _public_deferrals(c, checks),
            }
        )
    hidden = {}
    for c in checks:
        if not c.public:
            hidden[c.grade_id] = hidden.get(c.grade_id, 0) + 1
    return {"functions": list(functions), "checks": entries, "hidden_counts": hidden}


def write_public_package(folder: Path) -> Path:
    target = folder / "public_checks"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in SHIPPED_MODULES:
        shutil.copyfile(PACKAGE / name, target / name)
    shutil.copyfile(PACKAGE / "public_template.py", target / "__init__.py")
    catalogue = course.current().catalogue_path  # the assignment's mistakes, named to students
    if catalogue.is_file():
        # another name than the source file's: nbgrader's ignore list names that one
        shutil.copyfile(catalogue, target / "typical_mistakes.py")
    (target / "data.json").write_text(json.dumps(public_data(), indent=1, sort_keys=True) + "\n")
    return target


#: The grade_id of the locked cell that carries the public checks inside the notebook.
LOADER_ID = "public_checks_loader"
_LOADER = """#@title Public checks (carried inside this notebook: run this cell, do not edit it)
# Written by `python -m autograder release`. The notebook works without the public_checks
# folder beside it (opened alone, as in Colab): this cell unpacks the checks into a
# temporary folder and puts it on the import path.
import sys as _sys


def _unpack_public_checks(blob):
    import atexit, base64, json, os, shutil, tempfile, zlib

    folder = tempfile.mkdtemp(prefix="public_checks_")
    atexit.register(shutil.rmtree, folder, True)  # removed when the kernel stops
    os.mkdir(os.path.join(folder, "public_checks"))
    for name, text in json.loads(zlib.decompress(base64.b64decode(blob))).items():
        with open(os.path.join(folder, "public_checks", name), "w", encoding="utf-8") as fh:
            fh.write(text)
    _sys.path.insert(0, folder)
    for module in [m for m in _sys.modules if m.split(".")[0] == "public_checks"]:
        del _sys.modules[module]  # a rerun of this cell loads the new copy


_unpack_public_checks(
    {blob}
)
del _unpack_public_checks, _sys
"""


def embedded_public_checks(package: Path) -> str:
    """The public checks package as the loader cell's source (deterministic for one package)."""
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py"))}
    files["data.json"] = (package / "data.json").read_text(encoding="utf-8")
    packed = zlib.compress(json.dumps(files, sort_keys=True).encode("utf-8"), 9)
    text = base64.b64encode(packed).decode("ascii")
    lines = [text[i : i + 88] for i in range(0, len(text), 88)]
    blob = "\n".join(f'    "{line}"' for line in lines)
    return _LOADER.replace("    {blob}", blob)


def embed_public_checks(package: Path, path: Path | None = None) -> bool:
    """Write the public checks into the master notebook's loader cell; True when it changed."""
    path = path or source_path()
    notebook = nbformat.read(str(path), as_version=4)
    loaders = [c for c in notebook.cells if grade_id(c) == LOADER_ID]
    if len(loaders) != 1:
        raise RuntimeError(f"{path.name} needs exactly one cell with grade_id {LOADER_ID!r}")
    cell, source = loaders[0], embedded_public_checks(package)
    # Folded in JupyterLab (source_hidden) and shown as a form in Colab (cellView).
    hidden = {"jupyter": {"source_hidden": True}, "cellView": "form"}
    if cell.source == source and all(cell.metadata.get(k) == v for k, v in hidden.items()):
        return False
    cell.source = source
    cell.metadata.update(hidden)
    nbformat.write(notebook, str(path))
    return True


def nbgrader_env() -> dict:
    """nbgrader runs ``alembic`` from PATH on first use: put this Python's bin/ first."""
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def run_nbgrader(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run an nbgrader command; raise with its output when it fails."""
    cwd = cwd or course.current().course
    command = [sys.executable, "-m", "nbgrader", *args]
    done = subprocess.run(
        command, cwd=cwd, env=nbgrader_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[2:])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


def generate(release_dir: Path, db_url: str | None = None) -> Path:
    """nbgrader generate_assignment into ``release_dir``, after writing the public checks
    package into the source folder (committed, the same bytes again) for nbgrader to copy."""
    here = course.current()
    assignment = here.name
    write_public_package(here.folder)
    args = [
        "generate_assignment",
        assignment,
        "--force",
        f"--CourseDirectory.root={here.course}",
        f"--CourseDirectory.release_directory={release_dir}",
    ]
    if db_url:
        args.append(f"--CourseDirectory.db_url={db_url}")
    run_nbgrader(*args)
    for junk in (release_dir / assignment).rglob("__pycache__"):
        shutil.rmtree(junk)
    leaked = [n for n in course.KIT_FILES if (release_dir / assignment / n).exists()]
    if leaked:
        raise RuntimeError(
            f"nbgrader copied the grader's {', '.join(leaked)} into {release_dir / assignment}: "
            "add them to c.CourseDirectory.ignore in nbgrader_config.py (and delete them there)"
        )
    return release_dir / assignment / f"{assignment}.ipynb"


def solved_notebook(release_nb: Path, source_nb: Path, out: Path) -> Path:
    """The release notebook with the master's solution code in its solution cells."""
    release = nbformat.read(str(release_nb), as_version=4)
    master = {grade_id(c): c for c in read_notebook(source_nb).cells if grade_id(c)}
    for cell in release.cells:
        gid = grade_id(cell)
        if gid and nbgrader_meta(cell).get("solution") and gid in master:
            lines = master[gid].source.splitlines()
            cell.source = "\n".join(line for line in lines if not _SOLUTION.match(line))
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(release, str(out))
    return out


def release(rebuild_key: bool = True) -> dict[str, Path]:
    """Do the whole release of the current assignment; return the paths it wrote.

    The settings its ``assignment.toml`` states in the master notebook are written there
    first, so that the points, the key, the public checks and release/ all follow them."""
    here = course.current()
    src = here.master
    write_stated(here, src)
    sync_points(src)
    written = {}
    if rebuild_key:
        written["answer key"] = key.build()
    written["public checks"] = write_public_package(src.parent)
    embed_public_checks(written["public checks"], src)
    release_nb = generate(here.course / "release")
    written["release"] = release_nb
    written["solved notebook"] = solved_notebook(release_nb, src, here.solved)
    # The translated editions (release/<lang>/, solutions/<assignment>/<assignment>.<lang>.ipynb).
    written.update(
        write_editions(release_nb, src, written["solved notebook"], embedded_public_checks)
    )
    return written

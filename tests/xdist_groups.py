"""How ``make test`` shares the suite among pytest-xdist's workers (``-n 2 --dist loadgroup``).

Most tests are independent and go to whichever worker is free, one by one.  The tests of
a module that share a fixture of that module (scope module or class: a graded batch of
the broken corpus, an nbgrader class, a built zip) go to one worker together, so that
the fixture is built once in the run, not once in each worker at the same time on a
2-core machine.  No test file marks itself for that: the tests' fixtures say it (an
``xdist_group`` mark still groups, as xdist documents).

xdist's own ``loadgroup`` cannot do it with pytest 9.2: it passes a group to its
scheduler by appending ``@group`` to the node id through a field pytest's structured
node ids no longer read, so nothing is grouped, silently (pytest-xdist issue #1386).
Here each worker writes the groups of its collection to a file (all workers collect the
same tests) and the scheduler reads them, keyed by node id.  ``pytest -p no:xdist`` (one
process, file order) or another ``--dist`` leaves all of this unused.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

#: The folder where the workers write their groups, made by the controller for its run.
GROUPS_FOLDER = "AUTOGRADER_TEST_XDIST_GROUPS"


def group_of(item: pytest.Item) -> str | None:
    """The group ``item`` runs in: its ``xdist_group`` marks, else its module when it uses
    a fixture its own module defines for more than one test; None: any worker."""
    marks = sorted(
        str(m.args[0] if m.args else m.kwargs.get("name", "default"))
        for m in item.iter_markers("xdist_group")
    )
    if marks:
        return "_".join(marks)
    module = item.nodeid.split("::", 1)[0]
    info = getattr(item, "_fixtureinfo", None)
    shared = info is not None and any(
        definition.scope != "function" and definition.baseid.split("::", 1)[0] == module
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
    )
    return module if shared else None


class WorkerSide:
    """In each worker: write the collection's groups where the controller reads them."""

    def __init__(self, folder: Path, worker: str) -> None:
        self.folder, self.worker = folder, worker

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        groups = {item.nodeid: group for item in items if (group := group_of(item))}
        written = self.folder / f".{self.worker}.json"
        written.write_text(json.dumps(groups))
        written.replace(self.folder / f"{self.worker}.json")  # whole, or not there


class ControllerSide:
    """In the controller: the folder for the workers' groups, and the scheduler."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="pytest-xdist-groups-"))
        os.environ[GROUPS_FOLDER] = str(self.folder)  # inherited by the workers it starts

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log):
        from xdist.scheduler import LoadScopeScheduling

        folder = self.folder

        class GroupScheduling(LoadScopeScheduling):
            """``loadscope`` whose work units are the groups, and single tests."""

            groups: dict[str, str] | None = None

            def _split_scope(self, nodeid: str) -> str:
                if self.groups is None:  # first called once every worker has collected
                    self.groups = {}
                    for path in sorted(folder.glob("gw*.json")):
                        self.groups = json.loads(path.read_text())
                        break
                return self.groups.get(nodeid, nodeid)

        return GroupScheduling(config, log)

    def pytest_unconfigure(self) -> None:
        os.environ.pop(GROUPS_FOLDER, None)
        shutil.rmtree(self.folder, ignore_errors=True)


def register(config: pytest.Config) -> None:
    """Register the side this process is, when pytest-xdist runs with ``--dist loadgroup``."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        folder = os.environ.get(GROUPS_FOLDER)
        if folder and Path(folder).is_dir():
            config.pluginmanager.register(WorkerSide(Path(folder), workerinput["workerid"]))
    elif config.getoption("dist", "no") == "loadgroup" and config.getoption("numprocesses"):
        config.pluginmanager.register(ControllerSide(), "xdist-groups-controller")

"""How ``make test`` shares the suite among pytest-xdist's workers (``-n 2 --dist loadgroup``).

Most tests are independent and go to whichever worker is free, one by one.  Tests that
share a fixture that outlives one test (scope module or class: a graded batch of the
broken corpus, an nbgrader class, a built zip; or a session fixture of conftest.py: the
solved notebook executed once) go to one worker together, so that the fixture is built
once in the run, not once in each worker at the same time on a 2-core machine.  No test
file marks itself for that: the tests' fixtures say it (an ``xdist_group`` mark still
groups, as xdist documents).

xdist's own ``loadgroup`` cannot do it with pytest 9.2: it passes a group to its
scheduler by appending ``@group`` to the node id through a field pytest's structured
node ids no longer read, so nothing is grouped, silently (pytest-xdist issue #1386).
Here each worker writes the groups of its collection to a file (all workers collect the
same tests) and the scheduler reads them, keyed by node id.  ``pytest -p no:xdist`` (one
process, file order) or another ``--dist`` leaves all of this unused.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

#: The folder where the workers write their groups, made by the controller for its run.
GROUPS_FOLDER = "AUTOGRADER_TEST_XDIST_GROUPS"


def shared_by(item: pytest.Item) -> list[str]:
    """What ``item`` shares with other tests: its ``xdist_group`` marks, and the fixtures
    of the tests folder it uses that outlive one test (scope module, class or session),
    each by where it is defined and its name."""
    keys = [
        f"mark {m.args[0] if m.args else m.kwargs.get('name', 'default')}"
        for m in item.iter_markers("xdist_group")
    ]
    info = getattr(item, "_fixtureinfo", None)
    for definitions in info.name2fixturedefs.values() if info is not None else ():
        for definition in definitions:
            if definition.scope == "function":
                continue
            # the tests' own, not a plugin's (pytest's tmp_path_factory...)
            source = Path(inspect.getsourcefile(definition.func) or "")
            if source.name == "conftest.py" or source == Path(item.path):
                keys.append(f"{definition.baseid}::{definition.argname}")
    return keys


def groups_of(items: list[pytest.Item]) -> dict[str, str]:
    """Each test that shares something with others, and its group: tests that share
    anything, directly or through others, are one group (named by its first key)."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    keyed = {item.nodeid: shared_by(item) for item in items}
    for keys in keyed.values():
        for key in keys[1:]:
            first, other = root(keys[0]), root(key)
            parent[max(first, other)] = min(first, other)
    return {nodeid: root(keys[0]) for nodeid, keys in keyed.items() if keys}


class WorkerSide:
    """In each worker: write the collection's groups where the controller reads them."""

    def __init__(self, folder: Path, worker: str) -> None:
        self.folder, self.worker = folder, worker

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        # The scheduler hands out the groups first (the most tests first), then the single
        # tests in this order: the slow ones before the rest, so that no long test is
        # left to run alone at the end.  Every worker sorts the same collection alike.
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
        groups = groups_of(items)
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

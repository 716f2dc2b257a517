"""The confinement steps of autograder.sandbox, one at a time (the corpus shows them together).

Whole-worker behaviour (a daemon that leaves the tree, children over the memory
limit, leftovers in /tmp, a pickle sent to the fork server) is in
tests/corpus/broken/, graded by test_bad_input.py and test_ordinary_user.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest
from course_paths import ROOT

from autograder import sandbox, view

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="cgroups and namespaces need root")


def test_uids_differ_per_worker_and_are_not_root():
    uids = {sandbox.next_uid() for _ in range(50)}
    assert len(uids) == 50 and min(uids) >= sandbox.FIRST_UID


def test_the_view_grants_python_not_the_checkout():
    granted = view.granted(str(ROOT))
    assert os.path.realpath(sys.base_prefix) in granted or any(
        os.path.realpath(sys.base_prefix).startswith(g + "/") for g in granted
    )
    kit = os.path.realpath(ROOT)
    assert not [g for g in granted if g == kit or g.startswith(kit + "/") and ".venv" not in g]
    assert not [g for g in granted if kit.startswith(g + "/")], "a folder above the checkout"
    assert "/tmp" not in granted and "/" not in granted


def test_grading_refuses_unconfined_code_unless_told(monkeypatch, tmp_path, capsys):
    from autograder.batch import UNCONFINED_FLAG, confined
    from autograder.pool import Limits

    monkeypatch.setitem(view._AVAILABLE, os.geteuid() == 0, "unshare: Operation not permitted")
    path = tmp_path / "a.ipynb"
    with pytest.raises(SystemExit) as stop:
        confined([path], Limits(), {}, 1)
    assert UNCONFINED_FLAG in str(stop.value) and "\n" not in str(stop.value)
    assert confined([path], Limits(), {}, 1, unconfined_ok=True) == {}
    assert "cannot confine student code" in capsys.readouterr().err


VIEW_PROBE = """
import os, socket, sys
sys.path.insert(0, {root!r})
from autograder import view
os.environ["CI_TOKEN"] = "secret-in-the-parent"
view.enter({root!r}, os.geteuid() == 0, 256)
os.environ.clear()
view.drop_capabilities()
print("pid", os.getpid())
print("root", sorted(os.listdir("/")))
print("proc", sorted(p for p in os.listdir("/proc") if p.isdigit()))
kit = sorted(os.listdir({root!r})) if os.path.isdir({root!r}) else None
print("kit", kit, os.path.exists({git!r}))
print("tmp", os.listdir("/tmp"), os.listdir("/var/tmp"))
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1)
    print("net open")
except OSError as exc:
    print("net closed")
try:
    open("/usr/autograder-written", "w")
    print("usr writable")
except OSError:
    print("usr read-only")
session = os.getsid(0)
os.setsid()
print("setsid", "refused" if os.getsid(0) == session else "allowed")
open("/tmp/autograder-left-by-view", "w").write("x")
"""


def test_a_worker_sees_only_its_view(tmp_path):
    """As whoever runs the tests (root in CI; an ordinary user elsewhere)."""
    if view.available(str(ROOT)) is not None:
        pytest.skip(f"no namespaces here: {view.available(str(ROOT))}")
    marker = tempfile.NamedTemporaryFile(dir="/tmp", prefix="autograder-visible-", delete=False)
    code = VIEW_PROBE.format(root=str(ROOT), git=str(ROOT / ".git"))
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
    finally:
        os.unlink(marker.name)
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "pid 2\n" in out and "proc ['1', '2']" in out
    # Nothing of the checkout: at most the folder of the venv, where the venv lives in it.
    inside = os.path.relpath(os.path.realpath(sys.prefix), os.path.realpath(ROOT))
    venv = [] if inside.startswith("..") else [inside.split(os.sep)[0]]
    assert f"kit {venv or None} False" in out
    # Nothing of the machine's /tmp either: only the way to the venv where it lives there
    # (a checkout below /tmp), bound read-only after the private /tmp.
    below_tmp = os.path.relpath(os.path.realpath(sys.prefix), "/tmp")
    way = [] if below_tmp.startswith("..") else [below_tmp.split(os.sep)[0]]
    assert f"tmp {way} {way}" in out
    assert "net closed" in out and "usr read-only" in out and "setsid refused" in out
    assert "'work'" not in out.split("root", 1)[1].splitlines()[0] or ".venv" in str(sys.prefix)
    assert not os.path.exists("/tmp/autograder-left-by-view")


@needs_root
def test_a_cgroup_kills_what_left_the_process_tree():
    folders = sandbox.make_cgroup(memory_mb=64)
    if not folders:
        pytest.skip("this machine lets no process create cgroups")
    # A shell in the cgroup starts a daemon that its parent no longer knows of.
    starter = subprocess.Popen(
        ["sh", "-c", "(setsid sleep 4324 &) ; exit 0"],
        preexec_fn=lambda: sandbox.join_cgroup(folders),
    )
    starter.wait(10)
    deadline = time.monotonic() + 5
    while not any(sandbox._members(f) for f in folders) and time.monotonic() < deadline:
        time.sleep(0.05)
    members = {p for f in folders for p in sandbox._members(f)}
    assert members, "the daemon is not in the cgroup"
    sandbox.kill_cgroup(folders)
    sandbox.remove_cgroup(folders)
    assert not any(os.path.exists(f) for f in folders)
    for pid in members:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        assert state in ("Z", "X"), f"process {pid} survived its cgroup"

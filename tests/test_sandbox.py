"""The confinement steps of autograder.sandbox, one at a time (the corpus shows them together).

Whole-worker behaviour (a daemon that leaves the tree, children over the memory
limit, leftovers in /tmp, a pickle sent to the fork server) is in
tests/corpus/broken/ (entries marked ``needs: root``), graded by test_bad_input.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest
from course_paths import ROOT

from autograder import sandbox

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="cgroups and namespaces need root")


def test_never_hides_what_the_worker_needs(tmp_path):
    assert not sandbox._safe_to_hide("/")
    assert not sandbox._safe_to_hide(os.path.dirname(sys.prefix))  # Python lives below
    assert not sandbox._safe_to_hide(str(ROOT / "autograder"))  # the kit's code
    assert not sandbox._safe_to_hide(os.getcwd())
    assert sandbox._safe_to_hide(str(tmp_path))


def test_secrets_are_the_key_the_checks_the_reference_and_the_master():
    """The course's source/ (each assignment's master, settings, checks, module and answer
    key) and solutions/ (references), and nothing of the engine: it holds no secret."""
    secrets = sandbox.kit_secrets()
    assert set(secrets) == {str(ROOT / "solutions"), str(ROOT / "source")}
    for kit_file in ("answer_key.json", "checks.toml", "assignment.toml", "grading.py"):
        path = ROOT / "source" / "three_layer_classifier" / kit_file
        assert path.exists() and any(str(path).startswith(s + os.sep) for s in secrets)


def test_uids_differ_per_submission_and_are_not_root():
    uids = {sandbox.uid_for(i) for i in range(50)}
    assert len(uids) == 50 and min(uids) >= sandbox.FIRST_UID


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


@needs_root
def test_isolate_gives_private_tmp_no_network_and_covers_secrets(tmp_path):
    secret = tmp_path / "answer_key.json"
    secret.write_text("the answers")
    folder = tmp_path / "other_submissions"
    folder.mkdir()
    (folder / "bob.ipynb").write_text("{}")
    marker = tempfile.NamedTemporaryFile(dir="/tmp", prefix="autograder-visible-", delete=False)
    code = f"""
import os, socket, sys
sys.path.insert(0, {str(ROOT)!r})
from autograder import sandbox
os.chdir({str(tmp_path)!r})
if not sandbox.isolate(({str(secret)!r}, {str(folder)!r})):
    print("refused"); sys.exit(0)
print("tmp", sorted(os.listdir("/tmp")))
print("secret", open({str(secret)!r}).read() or "empty")
print("folder", os.listdir({str(folder)!r}))
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1)
    print("net open")
except OSError as exc:
    print("net", exc.errno)
open("/tmp/autograder-left-by-isolated", "w").write("x")
"""
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
    finally:
        os.unlink(marker.name)
    out = done.stdout
    assert done.returncode == 0, done.stderr
    if out.startswith("refused"):
        pytest.skip("the kernel refuses namespaces here")
    assert "autograder-visible-" not in out.split("tmp", 1)[1].splitlines()[0]
    assert "secret empty" in out
    assert "bob.ipynb" not in out
    assert "net open" not in out
    assert not os.path.exists("/tmp/autograder-left-by-isolated")
    assert secret.read_text() == "the answers"  # covered in there, untouched out here

"""The solved notebook runs top to bottom in a real kernel and draws its plots.

The plots are written to the folder in $NOTEBOOK_PLOTS (default: a temporary
folder) so that a person can look at them; benchmarks/bench_notebook.py times
the run against the 60 s goal.
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import ASSIGNMENT, ROOT

pytestmark = pytest.mark.slow


def execute_solved(folder: Path) -> nbformat.NotebookNode:
    shutil.copytree(
        ROOT / "release" / ASSIGNMENT, folder, ignore=shutil.ignore_patterns("__pycache__")
    )
    notebook = nbformat.read(str(ROOT / "solutions" / f"{ASSIGNMENT}.ipynb"), as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return notebook


def test_solved_notebook_runs_and_plots(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = execute_solved(tmp_path / "student")
    plots = Path(os.environ.get("NOTEBOOK_PLOTS", tmp_path / "plots"))
    plots.mkdir(parents=True, exist_ok=True)
    images = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{output.ename}: {output.evalue}"
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text
            if "image/png" in output.get("data", {}):
                gid = cell.metadata.get("nbgrader", {}).get("grade_id", "cell")
                path = plots / f"{len(images):02d}-{gid}.png"
                path.write_bytes(base64.b64decode(output.data["image/png"]))
                images.append(gid)
    # the data, the loss curve, the decision boundary, and the four experiments
    for gid in (
        "plot_data",
        "train",
        "plot_predictions",
        "experiment_width",
        "experiment_dead_units",
        "experiment_shuffling",
    ):
        assert gid in images, f"no plot from {gid}"
    text = "".join(
        o.get("text", "")
        for c in notebook.cells
        for o in c.get("outputs", [])
        if o.output_type == "stream"
    )
    assert "final accuracy: 0.99" in text or "final accuracy: 1.0" in text

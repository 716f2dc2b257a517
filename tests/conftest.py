"""The tests grade this checkout's course (see course_paths.py): its assignment is named
here, so that a second assignment in source/ does not make the engine ask which."""

import os

import pytest
import xdist_groups
from course_paths import ASSIGNMENT

from autograder.course import ASSIGNMENT_ENV, COURSE_ENV

os.environ.setdefault("AUTOGRADER_ASSIGNMENT", ASSIGNMENT)


@pytest.fixture(autouse=True)
def _course_chosen_by_a_test_stays_with_it():
    """``cli.main`` run in this process records its course in the environment, for the
    processes it starts (autograder.course.select): a later test that runs a copied
    course must not inherit it."""
    saved = {name: os.environ.get(name) for name in (COURSE_ENV, ASSIGNMENT_ENV)}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def solved_alone(tmp_path_factory):
    """The solved notebook executed top to bottom once for the run, as a student opens it:
    alone in an empty folder (the public checks come from its own loader cell), the kit
    not importable (``autograder`` and ``solutions`` raise ImportError, as on a student's
    machine), without TensorFlow's quieting variables (its setup cell must keep stderr
    clean), plots inline.  test_notebook_runs, test_korean_runs and test_student_release
    read it (each executed it itself before: two runs of about 25 s saved); xdist_groups
    puts them in one worker."""
    from course_paths import SOLVED
    from test_notebook_runs import execute_alone

    base = tmp_path_factory.mktemp("solved_alone")
    blocker = base / "blocker"
    for name in ("autograder", "solutions"):
        (blocker / name).mkdir(parents=True)
        (blocker / name / "__init__.py").write_text(
            f"raise ImportError('{name} is not installed on a student machine')\n"
        )
    with pytest.MonkeyPatch.context() as patch:
        for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"):
            patch.delenv(name, raising=False)
        patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        patch.setenv("PYTHONPATH", str(blocker))
        return execute_alone(SOLVED, base / "student")


def pytest_configure(config: pytest.Config) -> None:
    """``make test`` runs the suite on every core (pytest-xdist, ``--dist loadgroup``): which
    tests share a worker is xdist_groups.py's; ``pytest -p no:xdist`` runs it in one process."""
    # pytest-xdist registers the mark; named here too, for a run without the plugin
    config.addinivalue_line("markers", "xdist_group(name): run these tests in one xdist worker")
    xdist_groups.register(config)

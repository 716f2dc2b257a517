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


def pytest_configure(config: pytest.Config) -> None:
    """``make test`` runs the suite on every core (pytest-xdist, ``--dist loadgroup``): which
    tests share a worker is xdist_groups.py's; ``pytest -p no:xdist`` runs it in one process."""
    # pytest-xdist registers the mark; named here too, for a run without the plugin
    config.addinivalue_line("markers", "xdist_group(name): run these tests in one xdist worker")
    xdist_groups.register(config)

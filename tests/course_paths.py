"""Where the tests find the course: this checkout is a course (nbgrader_config.py at its
top) whose first assignment is three_layer_classifier.  The engine itself names no
assignment (tests/test_installed.py greps it); the tests do."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "three_layer_classifier"
SOURCE = ROOT / "source" / ASSIGNMENT
MASTER = SOURCE / f"{ASSIGNMENT}.ipynb"
SOLVED = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
REFERENCE = ROOT / "solutions" / ASSIGNMENT / "reference.py"
RELEASED = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
KEY = SOURCE / "answer_key.json"
CHECKS = SOURCE / "checks.toml"
CORPUS = ROOT / "tests" / "corpus" / ASSIGNMENT

# Two entry points, each doing all set-up first (a virtual environment in .venv):
#   make demo   for each assignment: release it and grade three example notebooks
#   make test   run the whole test suite (what CI runs)
#   make test-fast  the tests not marked slow, for a quick loop while editing
# The tests run in TEST_WORKERS processes (pytest-xdist; tests/xdist_groups.py says which
# tests share one); `make test TEST_WORKERS=0` runs them in this one, in file order.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# nbgrader runs `alembic` from PATH the first time it creates a gradebook.
RUN    := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python
TEST_WORKERS ?= auto
PYTEST := $(RUN) -m pytest -n $(TEST_WORKERS) --dist loadgroup

.PHONY: setup demo test test-fast lint

setup: $(VENV)/.installed

# constraints.txt: the TensorFlow and NumPy CI tests with, where they exist (see that file).
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[course,dev]"
	touch $@

# One demo per assignment of the course (each folder under source/).
demo: setup
	for folder in source/*/; do \
	  $(RUN) -m autograder demo --assignment "$$(basename "$$folder")" || exit 1; \
	done

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check autograder solutions benchmarks tests/*.py
	$(PYTEST)

# The tests not marked slow (no real nbgrader, no many-model training): a quick loop while editing.
test-fast: setup
	$(BIN)/ruff check .
	$(PYTEST) -m "not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check autograder solutions benchmarks tests/*.py

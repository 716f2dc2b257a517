"""nbgrader's configuration for this course (read by every nbgrader command run from here)."""

c = get_config()  # noqa: F821 - injected by nbgrader

c.CourseDirectory.course_id = "tf-three-layer-classifier"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# nbgrader's own defaults, and the assignment's translation catalogues (locale/*.po): the
# translated editions are written by `python -m autograder release`, never copied as files,
# into release/<lang>/ (a Korean course sets release_directory = "release/ko").
# The grader's files of each assignment (its settings, checks, module and answer key: see
# autograder/course.py) stay in source/ too: students never get them.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "locale",
    "assignment.toml",
    "checks.toml",
    "grading.py",
    "catalogue.py",
    "answer_key.json",
    "answer_key.sha256",
]

# The student's notebook trains a small model; hidden test cells start the judge.
c.Execute.timeout = 300
# A stub students recognise; the function's def line and docstring stay above it.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Points come from the judge, never from the student's kernel: after nbgrader executes the
# notebook, autograder/nbgrader_judge.py grades it in the kit's own workers and writes each
# hidden test cell's verdict and points over whatever the kernel put there.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    OverwriteKernelspec,
    SaveAutoGrades,
)

# Before anything runs: a stale answer key (checks, reference or setup cells changed since
# `python -m autograder release`) fails each submission's autograde instead of grading it.
# Then the student's kernel runs in a view of its own (autograder/nbgrader_kernel.py): it
# can write neither the kit, nor this course folder, nor your home; the judge is loaded first.
from autograder.nbgrader_kernel import ConfinedExecute  # noqa: E402

# nbgrader's sanitizing steps, with OverwriteCells replaced by a twin that does not report an
# untouched test cell as changed (nbgrader records it with its hidden tests, releases it
# without: issue #1961, ten warnings per submission; a real edit of a locked cell is still
# reported and restored), and that restores the locked cells of a translated edition (a
# Korean submission: metadata.autograder.lang) from that edition, release/<lang>/, instead
# of from the English master (autograder/nbgrader_judge.py's EditionOverwriteCells).
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    "autograder.nbgrader_judge.EditionOverwriteCells",
    CheckCellMetadata,
]

c.Autograde.autograde_preprocessors = [
    "autograder.nbgrader_judge.KeyIsCurrent",
    ConfinedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    "autograder.nbgrader_judge.JudgeOutsideKernel",
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback HTML shows every cell's source: the public-checks loader cell would show its
# packed checks (a long base64 string) in full, so its source is folded to its title line.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [
    GetGrades,
    CSSHTMLHeaderPreprocessor,
    "autograder.hide_loader.HideLoaderSource",
]

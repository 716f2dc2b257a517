"""nbgrader's ``Execute``, with the student's kernel started in a view of its own.

``nbgrader autograde`` runs the whole submission in a Jupyter kernel.  Started
as nbgrader starts it, that kernel runs as the instructor, unconfined: a
solution cell could append to the kit's judge (imported after the kernel ran)
and decide its own points and every later grading's, or rewrite the gradebook.
:class:`ConfinedExecute` starts it through :func:`autograder.view.confine_kernel`
instead (its own mount, PID, IPC and, as an ordinary user, user namespaces; the
worker's view plus the notebook's folder, read-only; a fresh uid as root), and
imports the judge before any student code runs.

``nbgrader_config.py`` puts it in place of nbgrader's ``Execute``.
"""

from __future__ import annotations

import sys

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute

# The judge and what it imports, loaded (and the answer key checked against its
# digest when grading starts) before any kernel runs: a kernel that wrote the kit
# could not change this grading, and, confined, cannot write it at all.
from . import judge as _judge  # noqa: F401
from . import key as _key  # noqa: F401
from . import nbgrader_judge as _nbgrader_judge  # noqa: F401


class ConfinedKernelManager(AsyncKernelManager):
    """Starts the kernel's command line through ``python -m autograder.view``."""

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, "-m", "autograder.view", *cmd]


class ConfinedExecute(Execute):
    """nbgrader's Execute, with :class:`ConfinedKernelManager`."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = ConfinedKernelManager
        super().__init__(*args, **kwargs)

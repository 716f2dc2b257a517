"""Headless Chromium, as the tests open the kit's HTML: a screenshot, or the rendered DOM.

`.ci/run` installs Chromium; on a machine without it the tests that need it say so
and skip.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(browser: str, args: list[str], page: Path) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def screenshot(browser: str, page: Path, shot: Path, size: str = "1100,1600") -> Path:
    """The page as Chromium paints it, in a PNG at ``shot``."""
    _run(browser, [f"--window-size={size}", f"--screenshot={shot}"], page)
    return shot


def rendered_dom(browser: str, page: Path) -> str:
    """The page's DOM after Chromium parsed and laid it out (``--dump-dom``)."""
    done = _run(browser, ["--dump-dom"], page)
    assert done.stdout.strip(), f"Chromium printed no DOM: {done.stderr[-500:]}"
    return done.stdout

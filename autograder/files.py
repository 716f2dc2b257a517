"""Writing results without following what student code may have planted.

Student code can run with write access to a results folder (``grade`` as an
ordinary user, on the same machine), and on Gradescope the grader is root.  So
every result file is written through a descriptor of its folder opened with
``O_NOFOLLOW``, into a fresh temporary file (``O_EXCL``), then renamed over the
target, which replaces a planted link instead of writing through it.  This
module imports nothing of the kit, so that Gradescope's last-resort results
writer works even when importing the judge is what failed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from pathlib import Path


class UnsafePath(OSError):
    """A results path whose folder is a link or not a folder: nothing was written."""


def _open_folder(folder: Path, clear: bool) -> int:
    """A descriptor of ``folder`` (created if missing), refusing a link or a non-folder.

    With ``clear``, whatever stands in the way (a link, a file) is removed first.
    """
    for _try in (1, 2):
        try:
            return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            folder.mkdir(parents=True, exist_ok=True)
        except (NotADirectoryError, OSError) as exc:
            if not clear or not (folder.is_symlink() or folder.exists()):
                raise UnsafePath(f"{folder} is a link or not a folder: not written") from exc
            folder.unlink()
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)


def write_file(path: Path, text: str, clear: bool = False) -> None:
    """Write ``text`` to ``path`` atomically, following no link planted on the way.

    A link or folder at ``path`` itself is replaced when ``clear`` (Gradescope's
    results.json must exist whatever was planted), else refused with :class:`UnsafePath`.
    """
    path = Path(path)
    folder = _open_folder(path.parent, clear)
    tmp = f".{path.name}.{secrets.token_hex(6)}"
    try:
        try:
            existing = os.stat(path.name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            if not clear:
                raise UnsafePath(f"{path} is a link or a folder: not overwritten")
            if stat.S_ISDIR(existing.st_mode):
                shutil.rmtree(path.name, dir_fd=folder)  # never follows links inside
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o644,
            dir_fd=folder,
        )
        try:
            data = memoryview(text.encode("utf-8"))
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)
        os.replace(tmp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=folder)
        except OSError:
            pass
        raise
    finally:
        os.close(folder)

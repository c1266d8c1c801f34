"""Writing the user's files: whole or not at all.

Caches, baselines, reports and the codemod's rewrites all go through :func:`write_atomically`,
so an interrupted run (Ctrl-C, a full disk, a crash) leaves the old file, never half a file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` holds either the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with contextlib.suppress(OSError):  # mkstemp makes it 0600; keep the file's own mode
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def repository_root(start: Path) -> Path:
    """The top of the git work tree holding ``start`` (a ``.git`` folder, or the ``.git``
    file of a worktree or submodule), else ``start`` itself: CI tools place findings by paths
    relative to the repository, also when the project lives in a sub-folder."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start

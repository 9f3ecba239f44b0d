"""The one way this project writes a file that readers may open at any moment.

Durability, for both helpers: the data is written to a hidden temporary file in the same
folder and fsynced, then renamed (or hard-linked) to its name, then the folder is fsynced.
A reader sees the old file or the new one, whole, never a mix; after the function returns,
the new file survives a power cut. Temporary names start with "." so corpus scans skip them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` (durable: fsync file, rename, fsync folder).

    Exists so that manifests, state files and corpus files are never seen half-written.
    Raises OSError when the folder cannot be written; the temporary file is removed then.
    """
    path = Path(path)
    tmp = _write_temporary(path, data)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def create_atomically(path: Path, data: bytes) -> bool:
    """Write `data` to `path` only if no file has that name; return False if one has.

    Same durability as `write_atomically`. Uses a hard link, which fails rather than replace
    a file that appeared meanwhile; on a file system without hard links it checks once more
    and renames. Exists so that adding an article never overwrites a different one.
    """
    path = Path(path)
    tmp = _write_temporary(path, data)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links here: last check, then rename
            if path.exists():
                return False
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def fsync_dir(folder: Path) -> None:
    """Make the renames inside `folder` durable (fsync of the directory itself)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temporary(path: Path, data: bytes) -> Path:
    """Return a new fsynced hidden file beside `path` holding `data` (mode 0644)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        os.fchmod(fd, 0o644)  # mkstemp creates 0600; these are ordinary readable files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp

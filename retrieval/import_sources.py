"""The inputs of `python -m retrieval import`: which files and zip members are read, and
their bytes, or why one is refused (types from the formats registry, sizes, broken zips)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from retrieval.formats import BULK_SUFFIXES, IMPORT_SUFFIXES, Layout, layout_of, listing


@dataclass(frozen=True)
class Rejected:
    """A file, zip member or record that was not imported, and why.

    `record` is the record (or line) number in the file, None when the whole file was refused.
    """

    where: str
    reason: str
    record: int | None = None


def input_units(paths: Sequence[Path], max_bytes: int) -> Iterator[tuple[str, bytes | Rejected]]:
    """Yield (name, bytes or rejection) for each bulk file and zip member of `paths`, in
    order; exists so that one bad input is reported and never stops the others."""
    for path in paths:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in IMPORT_SUFFIXES:
            allowed = listing(IMPORT_SUFFIXES)
            yield path.name, Rejected(str(path), f"unsupported file type (use {allowed})")
            continue
        try:
            size = path.stat().st_size
            if layout_of(suffix) is Layout.ZIP:
                yield from _zip_members(path, max_bytes)
                continue
            if size > max_bytes:
                yield path.name, Rejected(str(path), f"file too large ({size} > {max_bytes} bytes)")
                continue
            yield path.name, path.read_bytes()
        except OSError as exc:
            yield path.name, Rejected(str(path), exc.strerror or str(exc))
        except zipfile.BadZipFile:
            yield path.name, Rejected(str(path), "not a readable zip archive")


def _zip_members(path: Path, max_bytes: int) -> Iterator[tuple[str, bytes | Rejected]]:
    """Yield (name, bytes or rejection) for each bulk member of one zip archive."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            inner = PurePosixPath(member.filename)
            name = f"{path.name}:{member.filename}"
            if member.is_dir() or inner.name.startswith(".") or "__MACOSX" in inner.parts:
                continue
            if inner.suffix.lower() not in BULK_SUFFIXES:
                yield name, Rejected(name, f"not a {listing(BULK_SUFFIXES)} file")
                continue
            if member.file_size > max_bytes:
                yield name, Rejected(name, f"too large ({member.file_size} > {max_bytes} bytes)")
                continue
            try:
                with archive.open(member) as handle:
                    data = handle.read(max_bytes + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                yield name, Rejected(name, f"cannot extract: {exc}")
                continue
            if len(data) > max_bytes:
                yield name, Rejected(name, f"too large (over {max_bytes} bytes)")
                continue
            yield name, data

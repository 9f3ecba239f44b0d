"""`python -m retrieval add` and `python -m retrieval import`: grow the corpus from the shell.

Each command returns an exit code and prints failures as one English line on stderr, like
the rest of the CLI; the argument parsers are registered in retrieval/cli.py.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from retrieval.add import AddError, add_article
from retrieval.corpus import ArticleFormatError, decode_bytes, parse_md
from retrieval.formats import BULK_SUFFIXES, IMPORT_SUFFIXES, Layout, layout_of
from retrieval.importer import FileReport, ImportReport, Rejected, import_files

EXIT_OK = 0
EXIT_FAILURE = 1
_EXAMPLES_PER_REASON = 3


def cmd_add(args: argparse.Namespace) -> int:
    """Write one article (from FILE or stdin) into the corpus and print where it went.

    A `.md` file keeps its front matter; a `.txt` file or stdin is read like a seed-layout
    article. Options given on the command line override what the file says.
    """
    try:
        text = _read_text(args.file)
        options = {
            "title": args.title,
            "source": args.source,
            "url": args.url,
            "date": args.date,
            "category": args.category,
            "author": args.author,
        }
        suffix = Path(args.file).suffix.lower() if args.file != "-" else ""
        if suffix in BULK_SUFFIXES or suffix in IMPORT_SUFFIXES:
            raise AddError(f"{args.file} is a bulk file: use `python -m retrieval import`")
        if layout_of(suffix) is Layout.MARKDOWN:
            meta, text = parse_md(text)
            options = {k: v if v is not None else meta.get(k) for k, v in options.items()}
        result = add_article(Path(args.corpus), text, **options)
    except (AddError, ArticleFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if result.already_present:
        print(f"already present: {_shown(result.path)} ({result.title})")
    else:
        print(f"added: {_shown(result.path)} ({result.title})")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Import `.json`, `.jsonl` and `.zip` files into the corpus and print the counts.

    Fails (exit 1) when a whole input file or zip member was refused; rejected records
    (such as articles without text) are reported but do not fail the run.
    """
    into = Path(args.into)
    if into.exists() and not into.is_dir():
        print(f"error: --into is not a folder: {into}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        report = import_files([Path(f) for f in args.files], into, on_file=_print_file)
    except OSError as exc:
        print(f"error: cannot use corpus folder {into}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    _print_totals(report)
    return EXIT_FAILURE if report.refused_files else EXIT_OK


def _read_text(name: str) -> str:
    """Return the decoded text of a file, or of stdin for "-"; raises AddError."""
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise AddError(f"cannot read {name}: {exc.strerror or exc}") from exc
    try:
        return decode_bytes(data)
    except ArticleFormatError as exc:
        raise AddError(f"cannot read {name} as text: {exc}") from exc


def _shown(path: Path) -> str:
    """Return `path` relative to the working folder when it is below it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _print_file(report: FileReport) -> None:
    duplicates = sum(report.duplicates.values())
    target = f" → {_shown(report.written)}" if report.written else ""
    stripped = sum(len(lines) for lines in report.boilerplate.values())
    extra = f", {stripped} boilerplate line(s) stripped" if stripped else ""
    print(
        f"{report.name}: {report.imported} imported, {duplicates} duplicate, "
        f"{len(report.rejected)} rejected{extra}{target}",
        flush=True,
    )


def _print_totals(report: ImportReport) -> None:
    duplicates = report.duplicates
    kinds = ", ".join(f"{count} {kind}" for kind, count in duplicates.most_common())
    print(
        f"total: {report.imported} imported, {sum(duplicates.values())} duplicate"
        f"{f' ({kinds})' if kinds else ''}, {len(report.rejected)} rejected "
        f"in {report.seconds:.1f}s (corpus had {report.existing_articles} articles)"
    )
    by_reason: dict[str, list[Rejected]] = {}
    for rejected in report.rejected:
        by_reason.setdefault(rejected.reason, []).append(rejected)
    for reason, items in Counter({r: len(v) for r, v in by_reason.items()}).most_common():
        examples = "; ".join(r.where for r in by_reason[reason][:_EXAMPLES_PER_REASON])
        more = " …" if len(by_reason[reason]) > _EXAMPLES_PER_REASON else ""
        print(f"  rejected {items} × {reason}: {examples}{more}")

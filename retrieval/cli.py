"""`python -m retrieval …`: ask questions and manage the index offline, without Telegram.

Every failure an operator can cause (missing folder, empty corpus, empty question, unreadable
batch file) is one English line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from retrieval import confidence
from retrieval.formats import BULK_SUFFIXES, IMPORT_SUFFIXES, UPLOAD_SUFFIXES, listing
from retrieval.opensearch import cli as opensearch_cli
from retrieval.opensearch.client import BackendUnavailable
from retrieval.search import Hit, Retriever
from retrieval.store import SyncResult, open_index

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report as one line on stderr, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def hit_to_json(hit: Hit) -> dict[str, Any]:
    """Return `hit` as the JSON object of the CLI contract (design.md, "Contracts")."""
    article = hit.article
    return {
        "text": hit.text,
        "score": round(hit.score, 6),
        "start": hit.start,
        "end": hit.end,
        "context_before": hit.context_before,
        "context_after": hit.context_after,
        "confidence": round(hit.confidence, 4),
        "article": {
            "id": article.id,
            "title": article.title,
            "path": article.path,
            "source": article.source,
            "url": article.url,
            "date": article.date,
            "category": article.category,
            "author": article.author,
        },
        "also": [
            {
                "source": copy.article.source,
                "url": copy.article.url,
                "date": copy.article.date,
                "title": copy.article.title,
            }
            for copy in hit.also
        ],
    }


# Line separators that json.dumps(ensure_ascii=False) leaves raw, but str.splitlines (and
# some JSON-lines readers) would break a line at: escaped, so one record stays one line.
_LINE_BREAKING = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(record: dict[str, Any]) -> str:
    """Return `record` as one line of JSON (Arabic kept readable, no raw line separators)."""
    return json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKING)


def format_hit(rank: int, hit: Hit) -> str:
    """Return a hit as human-readable lines: the sentence, then title · source · date."""
    article = hit.article
    attribution = " · ".join(part for part in (article.title, article.source, article.date) if part)
    return f"{rank}. {hit.text}\n   — {attribution}"


def open_corpus_index(
    corpus: Path, index_dir: Path | None = None, progress: bool = False, verify: bool = False
) -> SyncResult:
    """Return the index of `corpus` (persisted, updated or rebuilt), or raise CliError for a
    missing or empty corpus. Many files are analyzed in one worker process per core."""
    if not corpus.exists():
        raise CliError(f"error: corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise CliError(f"error: corpus path is not a folder: {corpus}")
    workers = len(os.sched_getaffinity(0))
    opened = open_index(corpus, index_dir, workers=workers, progress=progress, verify=verify)
    if not opened.index.articles:
        skipped = len(opened.skipped)
        detail = f" ({skipped} file(s) skipped as unreadable)" if skipped else ""
        raise CliError(f"error: no articles found in {corpus}{detail}")
    return opened


def open_retriever(
    corpus: Path, index_dir: Path | None = None, progress: bool = False
) -> Retriever:
    """Return a Retriever over `corpus`, or raise CliError for a missing or empty corpus."""
    opened = open_corpus_index(corpus, index_dir, progress)
    return Retriever(opened.index, opened.skipped)


def _index_options(args: argparse.Namespace) -> tuple[Path | None, bool]:
    """Return (index folder, whether to show a progress bar) for a command's options.

    The bar goes to stderr, only when it is a terminal and the output is not JSON.
    """
    index_dir = Path(args.index_dir) if args.index_dir else None
    return index_dir, not args.json and sys.stderr.isatty()


def _read_batch(path: str) -> list[str]:
    """Return the questions of a batch file: one per "\n"-separated line, empty lines
    included (each gets its own output), without a final empty line after the last "\n".
    Only "\n" separates: U+2028, \x0c and the like are part of a question, as --help says."""
    try:
        if path == "-":
            stdin = getattr(sys.stdin, "buffer", None)  # bytes: no newline translation
            text = stdin.read().decode("utf-8-sig") if stdin else sys.stdin.read()
        else:
            text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"error: cannot read batch file {path}: {reason}") from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question or a batch file of questions (one per line)."""
    if args.top_k < 1:
        raise CliError("error: --top-k must be at least 1", EXIT_USAGE)
    if args.batch is not None:
        questions = _read_batch(args.batch)
    else:
        question = " ".join(args.question).strip()
        if not question:
            raise CliError("error: the question is empty", EXIT_USAGE)
        questions = [question]
    thresholds = _thresholds(args)
    if args.backend == "opensearch":
        retriever = opensearch_cli.open_retriever(args)
    else:
        retriever = open_retriever(Path(args.corpus), *_index_options(args))
    for question in questions:
        result = retriever.respond(question, top_k=args.top_k, thresholds=thresholds)
        band = result.band if question.strip() else confidence.Band.NONE
        hits = [] if band is confidence.Band.NONE else result.hits
        if args.json:
            record: dict[str, Any] = {"question": question, "hits": [hit_to_json(h) for h in hits]}
            record["answer"] = band.value
            if not question.strip():
                record["reason"] = "empty question"
            print(json_line(record))
        else:
            if len(questions) > 1:
                print(f"? {question}")
            if not hits:
                print("No matching sentence found. Try other words.")
            elif band is confidence.Band.UNCERTAIN:
                print(
                    f"No sure answer; the closest sentences (confidence {result.confidence:.2f}):"
                )
            for rank, hit in enumerate(hits, start=1):
                print(format_hit(rank, hit))
            if len(questions) > 1:
                print()
    return EXIT_OK


def _thresholds(args: argparse.Namespace) -> confidence.Thresholds:
    """Return the --confident/--uncertain thresholds, or raise CliError when out of order."""
    thresholds = confidence.Thresholds(args.confident_threshold, args.uncertain_threshold)
    values = (thresholds.confident, thresholds.uncertain)
    if not all(0 <= v <= 1 for v in values) or thresholds.uncertain > thresholds.confident:
        raise CliError(
            "error: thresholds must lie in [0, 1] with --uncertain-threshold at most "
            "--confident-threshold",
            EXIT_USAGE,
        )
    return thresholds


def cmd_index(args: argparse.Namespace) -> int:
    """Build or update the persisted index of a corpus; report its size, what was done to
    it (loaded, updated, rebuilt) and the skipped files."""
    cluster = opensearch_cli.target(args) if args.backend == "opensearch" else None
    opened = open_corpus_index(Path(args.corpus), *_index_options(args), verify=args.verify)
    stats = Retriever(opened.index, opened.skipped).stats()
    changes = {"added": opened.added, "modified": opened.modified, "removed": opened.removed}
    synced = None
    if cluster is not None:
        synced = opensearch_cli.sync(cluster, opened.index, args.rebuild, _index_options(args)[1])
    if args.json:
        record = asdict(stats)
        record["index"] = {"outcome": str(opened.outcome), "reason": opened.reason, **changes}
        if synced is not None:
            record["opensearch"] = opensearch_cli.report_json(synced)
        print(json.dumps(record, ensure_ascii=False))
        return EXIT_OK
    reason = f" ({opened.reason})" if opened.reason else ""
    counts = ", ".join(f"{len(paths)} {what}" for what, paths in changes.items() if paths)
    print(f"index:      {opened.outcome}{reason}" + (f"; files {counts}" if counts else ""))
    print(f"articles:   {stats.articles}")
    print(f"stories:    {stats.stories}")
    print(f"sentences:  {stats.sentences}")
    print(f"vocabulary: {stats.vocabulary}")
    print(f"skipped:    {len(stats.skipped)}")
    for skipped in stats.skipped:
        print(f"  {skipped.path}: {skipped.reason}")
    if synced is not None:
        print(opensearch_cli.report_line(synced))
    return EXIT_OK


def _lazy_command(module: str, name: str) -> Any:
    """Return command `name` of module `retrieval.<module>`, imported only when it runs, so
    that `ask` starts fast (corpus_cli, eval_cli; train loads LightGBM)."""

    def run(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(f"retrieval.{module}"), name)(args))

    return run


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="python -m retrieval",
        description="Arabic question answering over a folder of news articles (offline).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question with the best sentences")
    ask.add_argument("question", nargs="*", help="the question, in Arabic")
    ask.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    ask.add_argument("--top-k", type=int, default=3, help="how many sentences (default: 3)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "--batch",
        metavar="FILE",
        help="questions, one per line; only \\n ends a line ('-' for stdin)",
    )
    ask.add_argument("--index-dir", metavar="DIR", help="persisted index (default: CORPUS/.index)")
    ask.add_argument(
        "--confident-threshold",
        type=float,
        default=confidence.DEFAULT_CONFIDENT,
        metavar="P",
        help=f"least confidence of an answer (default: {confidence.DEFAULT_CONFIDENT})",
    )
    ask.add_argument(
        "--uncertain-threshold",
        type=float,
        default=confidence.DEFAULT_UNCERTAIN,
        metavar="P",
        help="least confidence of the closest sentence shown as uncertain; below it, no answer "
        f"(default: {confidence.DEFAULT_UNCERTAIN})",
    )
    opensearch_cli.add_options(ask)
    ask.set_defaults(func=cmd_ask)

    index = sub.add_parser("index", help="build the index and report what was read")
    index.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    index.add_argument("--json", action="store_true", help="print the figures as JSON")
    index.add_argument(
        "--index-dir", metavar="DIR", help="persisted index (default: CORPUS/.index)"
    )
    index.add_argument(
        "--verify",
        action="store_true",
        help="check every data file's checksum (a load checks sizes and the JSON files only)",
    )
    opensearch_cli.add_options(index, rebuild=True)
    index.set_defaults(func=cmd_index)

    ev = sub.add_parser("eval", help="measure answer-sentence retrieval on a SQuAD file")
    questions = ev.add_mutually_exclusive_group(required=True)
    questions.add_argument("--squad", metavar="FILE", help="SQuAD 1.1 JSON file")
    questions.add_argument(
        "--questions", metavar="FILE", help="JSONL questions (feedback export) asked of --corpus"
    )
    ev.add_argument("--corpus", default="corpus", help="corpus folder for --questions")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument("--report", metavar="FILE", help="write the misses as JSON lines")
    ev.add_argument(
        "--top-k", type=int, default=10, help="sentences asked per question (default: 10)"
    )
    ev.set_defaults(func=_lazy_command("eval_cli", "cmd_eval"))

    add = sub.add_parser("add", help="write one article into the corpus (safe name, no overwrite)")
    single = listing(tuple(s for s in UPLOAD_SUFFIXES if s not in BULK_SUFFIXES))
    add.add_argument("file", metavar="FILE", help=f"article {single} file ('-' for stdin)")
    for name in ("title", "source", "url", "date", "category", "author"):
        add.add_argument(f"--{name}", help=f"article {name} (overrides the file's)")
    add.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    add.set_defaults(func=_lazy_command("corpus_cli", "cmd_add"))

    bulk = listing(IMPORT_SUFFIXES)
    imp = sub.add_parser("import", help=f"import {bulk} article files, deduplicated")
    imp.add_argument("files", nargs="+", metavar="FILE", help=f"{bulk} files")
    imp.add_argument(
        "--into", default="corpus", metavar="DIR", help="corpus folder (default: corpus)"
    )
    imp.set_defaults(func=_lazy_command("corpus_cli", "cmd_import"))

    fb = sub.add_parser("feedback", help="the bot's feedback database")
    fb_sub = fb.add_subparsers(dest="feedback_command", required=True)
    export = fb_sub.add_parser("export", help="👎-rated and unanswered questions as eval JSONL")
    export.add_argument("--db", required=True, metavar="FILE", help="feedback database")
    export.add_argument("--out", required=True, metavar="FILE", help="JSONL file to write")
    export.set_defaults(func=_lazy_command("eval_cli", "cmd_feedback_export"))

    tr = sub.add_parser("train", help="train the reranker on questions made from SaudiNewsNet")
    tr.add_argument("--news", required=True, metavar="DIR", help="SaudiNewsNet day .zip files")
    tr.add_argument("--questions", type=int, help="questions per kind (default: 2500)")
    tr.add_argument("--seed", type=int, help="question draw (default: 3)")
    tr.add_argument("--out", metavar="FILE", help="model file (default: the shipped one)")
    tr.set_defaults(func=_lazy_command("train", "cmd_train"))

    vec = sub.add_parser("vectors", help="train the reranker's word vectors on SaudiNewsNet")
    vec.add_argument("--news", required=True, metavar="DIR", help="SaudiNewsNet day .zip files")
    vec.add_argument("--out", metavar="FILE", help="vectors file (default: the shipped one)")
    vec.set_defaults(func=_lazy_command("vectors_train", "cmd_vectors"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; failures print one line on stderr."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    # A damaged or unwritable index is worth one line to the operator.
    logging.getLogger("retrieval.store").setLevel(logging.WARNING)
    logging.getLogger("retrieval.confidence").setLevel(logging.WARNING)
    logging.getLogger("retrieval.rerank").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(exc, file=sys.stderr)
        return exc.code
    except BackendUnavailable as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK

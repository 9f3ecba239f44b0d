"""`python -m retrieval …`: ask questions and manage the index offline, without Telegram.

Every failure an operator can cause (missing folder, empty corpus, empty question, unreadable
batch file) is one English line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from retrieval import corpus_cli
from retrieval.backends import BackendRetriever
from retrieval.opensearch import cli as opensearch_cli
from retrieval.opensearch.client import BackendUnavailable
from retrieval.search import Hit, Retriever
from retrieval.store import OpenedIndex, open_index

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
    }


def format_hit(rank: int, hit: Hit) -> str:
    """Return a hit as human-readable lines: the sentence, then title · source · date."""
    article = hit.article
    attribution = " · ".join(part for part in (article.title, article.source, article.date) if part)
    return f"{rank}. {hit.text}\n   — {attribution}"


def open_corpus_index(
    corpus: Path, index_dir: Path | None = None, progress: bool = False
) -> OpenedIndex:
    """Return the index of `corpus` (persisted, updated or rebuilt), or raise CliError for a
    missing or empty corpus."""
    if not corpus.exists():
        raise CliError(f"error: corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise CliError(f"error: corpus path is not a folder: {corpus}")
    opened = open_index(corpus, index_dir, progress=progress)
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
    try:
        if path == "-":
            return sys.stdin.read().splitlines()
        return Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"error: cannot read batch file {path}: {reason}") from exc


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
    if args.backend == "opensearch":
        retriever: Retriever | BackendRetriever = opensearch_cli.open_retriever(args)
    else:
        retriever = open_retriever(Path(args.corpus), *_index_options(args))
    for question in questions:
        hits = retriever.search(question, top_k=args.top_k) if question.strip() else []
        if args.json:
            record = {"question": question, "hits": [hit_to_json(h) for h in hits]}
            print(json.dumps(record, ensure_ascii=False))
        else:
            if len(questions) > 1:
                print(f"? {question}")
            if not hits:
                print("No matching sentence found. Try other words.")
            for rank, hit in enumerate(hits, start=1):
                print(format_hit(rank, hit))
            if len(questions) > 1:
                print()
    return EXIT_OK


def cmd_index(args: argparse.Namespace) -> int:
    """Build or update the persisted index of a corpus; report its size, what was done to
    it (loaded, updated, rebuilt) and the skipped files."""
    cluster = opensearch_cli.target(args) if args.backend == "opensearch" else None
    opened = open_corpus_index(Path(args.corpus), *_index_options(args))
    stats = Retriever(opened.index, opened.skipped).stats()
    changes = {"added": opened.added, "modified": opened.modified, "removed": opened.removed}
    synced = None
    if cluster is not None:
        synced = opensearch_cli.sync(cluster, opened.index, args.rebuild, _index_options(args)[1])
    if args.json:
        record = asdict(stats)
        record["index"] = {"outcome": opened.outcome, "reason": opened.rebuilt_reason, **changes}
        if synced is not None:
            record["opensearch"] = opensearch_cli.report_json(synced)
        print(json.dumps(record, ensure_ascii=False))
        return EXIT_OK
    reason = f" ({opened.rebuilt_reason})" if opened.rebuilt_reason else ""
    counts = ", ".join(f"{len(paths)} {what}" for what, paths in changes.items() if paths)
    print(f"index:      {opened.outcome}{reason}" + (f"; files {counts}" if counts else ""))
    print(f"articles:   {stats.articles}")
    print(f"sentences:  {stats.sentences}")
    print(f"vocabulary: {stats.vocabulary}")
    print(f"skipped:    {len(stats.skipped)}")
    for skipped in stats.skipped:
        print(f"  {skipped.path}: {skipped.reason}")
    if synced is not None:
        print(opensearch_cli.report_line(synced))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the answer-sentence yardstick on a SQuAD file and print its figures."""
    from retrieval import evaluate

    if args.top_k < 1:
        raise CliError("error: --top-k must be at least 1", EXIT_USAGE)
    try:
        dataset = evaluate.load_squad(Path(args.squad))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CliError(f"error: cannot read SQuAD file {args.squad}: {exc}") from exc
    if not dataset.questions:
        raise CliError(f"error: no questions with answers in {args.squad}")
    retriever = Retriever.from_articles(dataset.articles)
    figures, misses = evaluate.evaluate(dataset, retriever, top_k=args.top_k)
    if args.report:
        try:
            with open(args.report, "w", encoding="utf-8") as out:
                for miss in misses:
                    print(json.dumps(evaluate.miss_to_json(miss), ensure_ascii=False), file=out)
        except OSError as exc:
            raise CliError(f"error: cannot write report {args.report}: {exc.strerror}") from exc
    if args.json:
        print(json.dumps(asdict(figures), ensure_ascii=False))
    else:
        print(evaluate.format_figures(figures))
    return EXIT_OK


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
    ask.add_argument("--batch", metavar="FILE", help="questions, one per line ('-' for stdin)")
    ask.add_argument("--index-dir", metavar="DIR", help="persisted index (default: CORPUS/.index)")
    opensearch_cli.add_options(ask)
    ask.set_defaults(func=cmd_ask)

    index = sub.add_parser("index", help="build the index and report what was read")
    index.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    index.add_argument("--json", action="store_true", help="print the figures as JSON")
    index.add_argument(
        "--index-dir", metavar="DIR", help="persisted index (default: CORPUS/.index)"
    )
    opensearch_cli.add_options(index, rebuild=True)
    index.set_defaults(func=cmd_index)

    ev = sub.add_parser("eval", help="measure answer-sentence retrieval on a SQuAD file")
    ev.add_argument("--squad", required=True, metavar="FILE", help="SQuAD 1.1 JSON file")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument("--report", metavar="FILE", help="write the misses as JSON lines")
    ev.add_argument(
        "--top-k", type=int, default=10, help="sentences asked per question (default: 10)"
    )
    ev.set_defaults(func=cmd_eval)

    add = sub.add_parser("add", help="write one article into the corpus (safe name, no overwrite)")
    add.add_argument("file", metavar="FILE", help="article .txt or .md file ('-' for stdin)")
    for name in ("title", "source", "url", "date", "category", "author"):
        add.add_argument(f"--{name}", help=f"article {name} (overrides the file's)")
    add.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    add.set_defaults(func=corpus_cli.cmd_add)

    imp = sub.add_parser("import", help="import .json/.jsonl/.zip article files, deduplicated")
    imp.add_argument("files", nargs="+", metavar="FILE", help=".json, .jsonl or .zip files")
    imp.add_argument(
        "--into", default="corpus", metavar="DIR", help="corpus folder (default: corpus)"
    )
    imp.set_defaults(func=corpus_cli.cmd_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; failures print one line on stderr."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    # A damaged or unwritable index is worth one line to the operator.
    logging.getLogger("retrieval.store").setLevel(logging.WARNING)
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

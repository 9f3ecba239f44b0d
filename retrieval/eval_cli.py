"""`python -m retrieval eval` and `python -m retrieval feedback export`: measure answer
quality, and turn the bot's 👎-rated and unanswered questions into questions to measure.

Imported only when one of these commands runs (retrieval/cli.py), so `ask` starts fast.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from retrieval.cli import EXIT_OK, EXIT_USAGE, CliError, open_retriever
from retrieval.search import Retriever


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the answer-sentence yardstick on a SQuAD file and print its figures."""
    from retrieval import evaluate

    if args.top_k < 1:
        raise CliError("error: --top-k must be at least 1", EXIT_USAGE)
    dataset, retriever = _eval_input(args)
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


def _eval_input(args: argparse.Namespace) -> tuple[Any, Retriever]:
    """Return the questions to evaluate and the Retriever to ask: a SQuAD file's own
    articles, or a JSONL question file (`feedback export`, answers filled in) over --corpus."""
    from retrieval import evaluate

    source = args.squad or args.questions
    kind = "SQuAD file" if args.squad else "question file"
    try:
        if args.squad:
            dataset = evaluate.load_squad(Path(args.squad))
            retriever = Retriever.from_articles(dataset.articles)
        else:
            retriever = open_retriever(Path(args.corpus))
            dataset = evaluate.load_questions_jsonl(Path(args.questions), retriever.articles)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CliError(f"error: cannot read {kind} {source}: {exc}") from exc
    if not dataset.questions:
        raise CliError(f"error: no questions with answers in {source}")
    return dataset, retriever


def cmd_feedback_export(args: argparse.Namespace) -> int:
    """Write the 👎-rated and unanswered questions of the bot's feedback database as JSONL."""
    import sqlite3

    from retrieval import feedback

    try:
        count = feedback.export_for_eval(Path(args.db), Path(args.out))
    except (OSError, sqlite3.Error) as exc:
        raise CliError(f"error: cannot export feedback from {args.db}: {exc}") from exc
    print(f"wrote {count} question(s) to {args.out}; fill in their answers, then run:")
    print(f"python -m retrieval eval --questions {args.out} --corpus CORPUS")
    return EXIT_OK

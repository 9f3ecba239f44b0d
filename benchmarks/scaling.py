"""Memory and latency of the embedded index at 1×, 4× and 16× SaudiNewsNet (docs/scaling.md).

    python benchmarks/scaling.py --data ../shared/data/saudinewsnet --work /tmp/scaling \
        [--scales 1 4 16] [--questions 300]

Builds the index of the real corpus once in WORK (kept there: a second run starts from it),
then for each scale writes a persisted index of that many copies of the corpus (synthetic:
the same articles repeated, so document frequencies scale and the vocabulary does not) and
serves it in a fresh process (benchmarks/search_speed.py's serving child): load time, RSS,
and question latency. Figures are noisy when other jobs share the machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import search_speed  # noqa: E402

from retrieval import store  # noqa: E402
from retrieval.store import data as store_data  # noqa: E402


def main() -> None:
    """Print one Markdown table row per scale; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="folder of SaudiNewsNet day archives")
    parser.add_argument("--work", required=True, help="scratch folder (indexes are big)")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    work = Path(args.work)
    corpus, base_dir = work / "corpus", work / "index-x1"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        search_speed.write_corpus(Path(args.data), corpus)
    opened = store.open_index(corpus, base_dir, workers=len(os.sched_getaffinity(0)))
    questions = search_speed.make_questions(opened.index, args.questions)
    questions_file = work / "questions.txt"
    questions_file.write_text("\n".join(questions), encoding="utf-8")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(
        "| scale | articles / sentences | compile s | index on disk | load s | RSS loaded / "
        "after questions | Retriever.search p50 / p95 / p99 ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for scale in args.scales:
        folder, compile_seconds = base_dir, 0.0
        if scale > 1:
            folder = work / f"index-x{scale}"
            started = time.perf_counter()
            scaled = search_speed.replicate(opened.index, scale)
            compile_seconds = time.perf_counter() - started
            copies = [
                replace(record, path=f"copy-{n}/{record.path}")
                for n in range(scale)
                for record in opened.files
            ]
            store_data.save(folder, scaled, tuple(copies))
            del scaled
            gc.collect()
        served = search_speed.serve_in_fresh_process(folder, questions_file, None)
        disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**30
        search = served["search"]
        print(
            f"| {scale}× | {served['articles']:,} / {served['sentences']:,} | "
            f"{compile_seconds:.0f} | {disk:.2f} GB | {served['load_seconds']:.1f} | "
            f"{served['rss_loaded_mb'] / 1024:.2f} / {served['rss_after_mb'] / 1024:.2f} GB | "
            f"{search['p50']:.1f} / {search['p95']:.1f} / {search['p99']:.1f} |",
            flush=True,
        )
        if scale > 1:
            shutil.rmtree(folder)
    peak = search_speed.peak_rss_mb() / 1024
    print(f"load average at end: {os.getloadavg()[0]:.2f}; peak RSS while compiling {peak:.1f} GB")


if __name__ == "__main__":
    main()

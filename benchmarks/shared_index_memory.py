"""Memory of several read-only processes serving one memory-mapped index (docs/scaling.md).

    python benchmarks/shared_index_memory.py --corpus CORPUS --index-dir INDEX [--processes 1 2 4]

Starts K processes that each open the same persisted index (arrays memory-mapped read-only,
retrieval/store/data.py) and answer the same questions, then reads each process's RSS, USS
(private memory) and PSS (private + its share of the pages the processes share) with psutil
while they all still hold the index. The sum of PSS is what K processes really cost; K × RSS
is what they would cost without sharing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import search_speed  # noqa: E402

from retrieval import store  # noqa: E402
from retrieval.search import Retriever  # noqa: E402


def serve(corpus: str, index_dir: str, questions: list[str], ready: object, stop: object) -> None:
    """Open the index, answer `questions`, say so, and hold the index until told to stop."""
    opened = store.open_index(Path(corpus), Path(index_dir))
    retriever = Retriever(opened.index, opened.skipped)
    for question in questions:
        retriever.search(question)
    ready.release()  # type: ignore[attr-defined]
    stop.wait()  # type: ignore[attr-defined]


def main() -> None:
    """Print one Markdown row per process count; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    index = store.open_index(Path(args.corpus), Path(args.index_dir)).index
    questions = search_speed.make_questions(index, args.questions)
    del index
    context = multiprocessing.get_context("spawn")
    print("| processes | RSS each | USS each | sum of PSS | K × RSS |")
    print("|---|---|---|---|---|")
    for k in args.processes:
        ready, stop = context.Semaphore(0), context.Event()
        workers = [
            context.Process(
                target=serve, args=(args.corpus, args.index_dir, questions, ready, stop)
            )
            for _ in range(k)
        ]
        for worker in workers:
            worker.start()
        for _ in workers:
            ready.acquire()
        infos = [psutil.Process(w.pid).memory_full_info() for w in workers]
        stop.set()
        for worker in workers:
            worker.join()
        gb = 2**30
        rss = sum(i.rss for i in infos) / k / gb
        uss = sum(i.uss for i in infos) / k / gb
        pss = sum(i.pss for i in infos) / gb
        print(f"| {k} | {rss:.2f} GB | {uss:.2f} GB | {pss:.2f} GB | {k * rss:.2f} GB |")


if __name__ == "__main__":
    main()

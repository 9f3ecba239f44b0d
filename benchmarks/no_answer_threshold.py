"""Calibrate the no-answer threshold on a SQuAD file (XQuAD-ar by default).

    python benchmarks/no_answer_threshold.py [--squad ../shared/data/xquad-ar/xquad.ar.json]

Answerable: every question asked against all articles pooled; a correct top-1 sentence
(the yardstick's Hit@1) should survive the threshold. Unanswerable: each article's questions
asked against the corpus with that article removed; any reply is a wrong answer. For each
threshold on `ranking.confidence` of the best sentence, prints the share of top-1 hits kept,
of answerable questions still answered, and of unanswerable questions wrongly answered,
as a Markdown table (docs/quality.md holds one).
"""

from __future__ import annotations

import numpy as np
from squad_file import squad_path

from retrieval import evaluate, ranking
from retrieval.index import build
from retrieval.search import Hit, Retriever

THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)


def best_confidence(retriever: Retriever, question: str) -> tuple[Hit | None, float]:
    """Return the top hit of `question` with the threshold off, and its confidence (-1: none)."""
    hits = retriever.search(question, top_k=1)
    if not hits:
        return None, -1.0
    query = ranking.analyze(retriever.index, question)
    return hits[0], ranking.confidence(retriever.index, query, hits[0].sentence)


def main() -> None:
    """Print the threshold trade-off table."""
    squad = squad_path(__doc__.split("\n")[0])
    dataset = evaluate.load_squad(squad)

    full = Retriever(build(dataset.articles), min_score=0.0)
    answerable: list[tuple[bool, float]] = []
    for question in dataset.questions:
        hit, conf = best_confidence(full, question.text)
        correct = hit is not None and evaluate.is_hit(hit, question, dataset.articles)
        answerable.append((correct, conf))

    unanswerable: list[float] = []
    for removed in range(len(dataset.articles)):
        rest = dataset.articles[:removed] + dataset.articles[removed + 1 :]
        retriever = Retriever(build(rest), min_score=0.0)
        for question in dataset.questions:
            if question.article == removed:
                unanswerable.append(best_confidence(retriever, question.text)[1])

    hits = np.array([c for correct, c in answerable if correct])
    asked = np.array([c for _, c in answerable])
    wrong = np.array(unanswerable)
    print(f"{len(asked)} answerable questions ({len(hits)} top-1 hits), {len(wrong)} unanswerable")
    print("| threshold | top-1 hits kept | answerable answered | unanswerable answered |")
    print("|---|---|---|---|")
    for t in THRESHOLDS:
        print(
            f"| {t:.2f} | {np.mean(hits >= t):.3f} | {np.mean(asked >= t):.3f} "
            f"| {np.mean(wrong >= t):.3f} |"
        )
    print(f"default: {ranking.NO_ANSWER_THRESHOLD}")


if __name__ == "__main__":
    main()

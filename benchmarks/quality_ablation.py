"""What each part of the ranking buys on a SQuAD file, and whether it holds on both halves.

    python benchmarks/quality_ablation.py [--squad ../shared/data/xquad-ar/xquad.ar.json]

Runs the yardstick (retrieval/evaluate.py) with the default ranking, then with one part
switched off at a time (the hand-weighted parts measured without the reranker, which was
trained on their output), with the no-answer threshold off so that only ranking is compared
(the last row turns it on). Each row also gives Hit@1 on the questions of the even-numbered
and of the odd-numbered articles: the weights were tuned on the whole file, so a part that
helps only one half is fitting noise. Prints a Markdown table (docs/quality.md holds one).
"""

from __future__ import annotations

from dataclasses import replace

from squad_file import squad_path

from retrieval import evaluate, ranking
from retrieval.index import build
from retrieval.search import Retriever

DEFAULT = ranking.RankingParams()
HAND = replace(DEFAULT, rerank_depth=0)
VARIANTS: tuple[tuple[str, ranking.RankingParams, float], ...] = (
    ("default ranking, no threshold", DEFAULT, 0.0),
    ("− learned reranker (the hand-weighted ranking)", HAND, 0.0),
    ("reranker without the hand score beside it", replace(DEFAULT, rerank_hand_weight=0.0), 0.0),
    ("reranker with the hand score at weight 8", replace(DEFAULT, rerank_hand_weight=8.0), 0.0),
    ("− paragraph evidence", replace(HAND, paragraph_weight=0.0), 0.0),
    ("− article evidence", replace(HAND, article_weight=0.0), 0.0),
    (
        "− paragraph and article evidence",
        replace(HAND, paragraph_weight=0.0, article_weight=0.0),
        0.0,
    ),
    (
        "− sentence k1/b (rank-bm25's 1.5/0.75)",
        replace(HAND, sentence_k1=1.5, sentence_b=0.75),
        0.0,
    ),
    ("− within-article specificity", replace(HAND, specificity_weight=0.0), 0.0),
    ("− answer-type cue", replace(HAND, answer_type_weight=0.0), 0.0),
    (
        "plain BM25 over sentences (all off)",
        ranking.RankingParams(1.5, 0.75, 0.0, 0.0, 0.0, 0.0, rerank_depth=0),
        0.0,
    ),
    ("hand-weighted ranking + no-answer threshold", HAND, ranking.NO_ANSWER_THRESHOLD),
    ("default ranking + no-answer threshold (the product)", DEFAULT, ranking.NO_ANSWER_THRESHOLD),
)


def main() -> None:
    """Print the ablation table."""
    squad = squad_path(__doc__.split("\n")[0])
    dataset = evaluate.load_squad(squad)
    index = build(dataset.articles)
    halves = [
        evaluate.Dataset(dataset.articles, [q for q in dataset.questions if q.article % 2 == r])
        for r in (0, 1)
    ]
    print("| ranking | Hit@1 | Hit@3 | Hit@10 | MRR@10 | top-1 chars | Hit@1 even / odd |")
    print("|---|---|---|---|---|---|---|")
    for name, params, threshold in VARIANTS:
        retriever = Retriever(index, min_score=threshold, ranking_params=params)
        f, _ = evaluate.evaluate(dataset, retriever)
        even, odd = (evaluate.evaluate(half, retriever)[0].hit_at_1 for half in halves)
        print(
            f"| {name} | {f.hit_at_1:.3f} | {f.hit_at_3:.3f} | {f.hit_at_10:.3f} "
            f"| {f.mrr_at_10:.3f} | {f.mean_top1_chars:.0f} | {even:.3f} / {odd:.3f} |"
        )


if __name__ == "__main__":
    main()

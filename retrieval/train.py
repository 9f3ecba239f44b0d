"""Train the reranker (retrieval/rerank.py) on questions generated from SaudiNewsNet.

    python -m retrieval train --news ../shared/data/saudinewsnet [--out FILE]

Questions come only from the first `newsqa.TRAIN_DAY_FILES` day archives; the news check
asks about the other days. Each question's best `rerank_depth` hand-ranked sentences are one
LightGBM lambdarank group, labelled 1 where the sentence is the one the question was made
from (or its copy in another paper) and 0 elsewhere. Groups whose source sentence is not
among them teach nothing and are left out. Fixed seeds, one thread and LightGBM's
deterministic mode make the model file the same on every run.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval import features, newsqa, ranking
from retrieval.index import CorpusIndex, build
from retrieval.rerank import MODEL_PATH

# Question kinds trained on (the headline kind has no answer sentence; newsqa.py has them all).
TRAIN_KINDS = ("number", "date", "overlap", "answer", "paraphrase")
LIGHTGBM_PARAMS: dict[str, object] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [1, 3],
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambdarank_truncation_level": 10,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
ROUNDS = 300
PER_KIND = 5000  # training questions of each kind
SEED = 3


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """Feature rows, their labels and the size of each question's group, in order."""

    rows: np.ndarray
    labels: np.ndarray
    groups: np.ndarray


def _reworded_copies(
    index: CorpusIndex, q: newsqa.NewsQuestion, found: ranking.Candidates, depth: int
) -> tuple[ranking.Candidates, np.ndarray] | None:
    """Return the candidates of `q` without its source sentence (and its exact copies), and
    labels marking another paper's rewording of it; None when no rewording is among them.

    The question then uses one paper's words and its answer is written in another's: the
    situation of a reader whose question paraphrases the answer sentence.
    """
    keep = index.sent_key[found.docs] != q.sentence_key
    if keep.all():
        return None
    source = set(index.term_ids(q.sentence_terms))
    ptr, tokens = index.sent_token_ptr, index.token_terms
    docs = found.docs[keep]
    label = np.zeros(min(depth, len(docs)), dtype=np.int32)
    for i, doc in enumerate(docs[: len(label)].tolist()):
        terms = set(tokens[ptr[doc] : ptr[doc + 1]].tolist())
        union = terms | source
        label[i] = bool(union) and len(terms & source) / len(union) >= 0.5
    if len(label) < 2 or not label.any():
        return None
    kept = ranking.Candidates(
        docs,
        found.score[keep],
        found.sentence[keep],
        found.paragraph[keep],
        found.article[keep],
        found.specificity[keep],
    )
    return kept, label


def training_set(
    index: CorpusIndex,
    questions: list[newsqa.NewsQuestion],
    params: ranking.RankingParams,
    copies: bool = True,
) -> TrainingSet:
    """Return the rerank groups of `questions` over `index` (see the module docstring);
    with `copies`, also a group per question whose answer is another paper's rewording."""
    ranker = ranking.Ranker(index, params)
    facts = features.IndexFacts.of(index)
    rows, labels, groups = [], [], []
    for q in questions:
        query = ranking.analyze(index, q.text)
        if not query.term_ids or q.sentence_key is None:
            continue
        found = ranker.hand_rank(query, params.rerank_depth)
        depth = min(params.rerank_depth, len(found.docs))
        label = index.sent_key[found.docs[:depth]] == q.sentence_key
        if depth < 2 or not label.any():
            continue
        rows.append(features.matrix(index, query, found, depth, facts))
        labels.append(label.astype(np.int32))
        groups.append(depth)
        if copies:
            group = _reworded_copies(index, q, found, depth)
            if group is not None:
                rows.append(features.matrix(index, query, group[0], depth, facts))
                labels.append(group[1])
                groups.append(len(group[1]))
    if not rows:
        raise ValueError("no training question has its sentence among the candidates")
    return TrainingSet(np.concatenate(rows), np.concatenate(labels), np.asarray(groups))


def fit(data: TrainingSet, rounds: int = ROUNDS) -> str:
    """Return the LightGBM lambdarank model trained on `data`, in LightGBM's text format."""
    import lightgbm  # only training needs it (the `train` extra)

    dataset = lightgbm.Dataset(
        data.rows,
        label=data.labels,
        group=data.groups,
        feature_name=list(features.NAMES),
        params={"verbose": -1},
    )
    booster = lightgbm.train(LIGHTGBM_PARAMS, dataset, num_boost_round=rounds)
    return str(booster.model_to_string())


def train(
    index: CorpusIndex,
    per_kind: int = PER_KIND,
    seed: int = SEED,
    out: Path = MODEL_PATH,
    rounds: int = ROUNDS,
    kinds: tuple[str, ...] = TRAIN_KINDS,
) -> TrainingSet:
    """Generate training questions from the training days of `index`, fit the model and
    write it to `out`; return the training set (for its size)."""
    train_days = newsqa.training_days(index.articles)
    questions = newsqa.make_questions(
        index,
        per_kind,
        seed,
        kinds=kinds,
        keep=lambda article: newsqa.day_of(article) in train_days,
    )
    data = training_set(index, questions, ranking.RankingParams())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(fit(data, rounds), encoding="utf-8")
    return data


def cmd_train(args: argparse.Namespace) -> int:
    """Build the news index, train the reranker on its training days and write the model."""
    started = time.perf_counter()
    articles = newsqa.news_for_training(args.news, "lightgbm", "train")
    if articles is None:
        return 1
    index = build(articles)
    out = Path(args.out) if args.out else MODEL_PATH
    per_kind = PER_KIND if args.questions is None else args.questions
    data = train(index, per_kind, SEED if args.seed is None else args.seed, out)
    print(
        f"{len(articles)} articles, {index.n_sentences} sentences; "
        f"{len(data.groups)} questions, {len(data.rows)} candidates; "
        f"model written to {out} in {time.perf_counter() - started:.0f} s"
    )
    return 0

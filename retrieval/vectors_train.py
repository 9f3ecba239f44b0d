"""Train the word vectors (retrieval/vectors.py) on SaudiNewsNet with gensim's FastText.

    python -m retrieval vectors --news ../shared/data/saudinewsnet [--out FILE]

Every sentence of every article (and every title) is one training sentence of its index terms
(`analyzer.terms`, the analysis search uses), so a vector belongs to a light-stemmed term.
FastText learns from the terms' letter n-grams too, which helps the rare forms; only the
vectors of terms seen at least `MIN_COUNT` times are kept, as float16 unit rows. A fixed seed
and one worker thread make the file the same on every run. gensim is needed only here (the
`train` extra): serving reads the file with numpy.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from retrieval import newsqa, vectors
from retrieval.corpus import Article
from retrieval.index import analyze


@dataclass(frozen=True, slots=True)
class VectorParams:
    """FastText's settings (gensim's names) and the vocabulary cut."""

    dim: int = 64
    min_count: int = 5  # terms seen fewer times get no vector
    window: int = 5
    epochs: int = 5
    min_n: int = 3  # letter n-grams of 3 to 5 (terms are light stems: short)
    max_n: int = 5
    buckets: int = 200_000  # n-gram hash buckets (gensim's 2M would take 0.5 GB at dim 64)
    skipgram: bool = False
    seed: int = 7


def term_sentences(articles: Sequence[Article]) -> list[list[str]]:
    """Return the index terms of every sentence and title of `articles`, one list each."""
    analysis = analyze(articles)
    terms = analysis.terms
    spans = [
        (analysis.token_terms.tolist(), analysis.sent_token_ptr.tolist()),
        (analysis.title_terms.tolist(), analysis.title_token_ptr.tolist()),
    ]
    sentences = [[terms[t] for t in ids[a:b]] for ids, ptr in spans for a, b in pairwise(ptr)]
    return [s for s in sentences if s]


def train(sentences: list[list[str]], params: VectorParams = VectorParams()) -> vectors.TermVectors:
    """Return FastText vectors of the terms of `sentences` seen `params.min_count` times."""
    from gensim.models import FastText  # only training needs it (the `train` extra)

    model = FastText(
        sentences=sentences,
        vector_size=params.dim,
        window=params.window,
        min_count=params.min_count,
        epochs=params.epochs,
        min_n=params.min_n,
        max_n=params.max_n,
        bucket=params.buckets,
        sg=int(params.skipgram),
        seed=params.seed,
        workers=1,
    )
    terms = tuple(model.wv.index_to_key)
    header = {
        "made_by": "python -m retrieval vectors (gensim FastText)",
        "params": {k: getattr(params, k) for k in VectorParams.__dataclass_fields__},
        "sentences": len(sentences),
        "tokens": sum(map(len, sentences)),
    }
    return vectors.TermVectors(terms, vectors.unit_rows(model.wv.vectors[: len(terms)]), header)


def cmd_vectors(args: argparse.Namespace) -> int:
    """Train the word vectors on the SaudiNewsNet day archives and write the file."""
    started = time.perf_counter()
    articles = newsqa.news_for_training(args.news, "gensim", "train")
    if articles is None:
        return 1
    sentences = term_sentences(articles)
    made = train(sentences)
    out = Path(args.out) if args.out else vectors.VECTORS_PATH
    vectors.save(out, made)
    print(
        f"{len(articles)} articles, {len(sentences)} sentences; {len(made.terms)} terms × "
        f"{made.vectors.shape[1]} written to {out} ({out.stat().st_size / 1e6:.1f} MB) "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return 0

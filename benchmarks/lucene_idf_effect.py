"""What Lucene's BM25 changes when a cluster selects the candidate sentences.

rank-bm25 (the embedded index): idf = ln((N - df + 0.5) / (df + 0.5)), floored at
epsilon × mean idf when negative; weight = idf · tf · (k1 + 1) / (tf + k1 · norm).
Lucene (OpenSearch/Elasticsearch): idf = ln(1 + (N - df + 0.5) / (df + 0.5)), always
positive; weight = idf · tf / (tf + k1 · norm) (no (k1 + 1): a constant factor, no effect on
order), and the document length is stored in one lossy byte (not modelled here).

The OpenSearch backend lets the cluster choose `pool × fetch factor` candidates by Lucene's
score, then recomputes rank-bm25's evidence for them. This script replays that on the
embedded index (no cluster needed) and prints XQuAD-ar Hit@1 and top-sentence agreement for:
rank-bm25 everywhere; Lucene selection at fetch factors 1 and 3; Lucene's score used as the
sentence evidence itself.

    python benchmarks/lucene_idf_effect.py --squad ../shared/data/xquad-ar/xquad.ar.json \
        [--distractors CORPUS_DIR [--distractors-index DIR]] [--limit N]

On XQuAD's 48 articles the pool holds nearly every matching sentence, so the selection
cannot matter; `--distractors` adds a corpus folder's articles (e.g. SaudiNewsNet written by
benchmarks/scaling.py) so that the pool truncates as it does on a real corpus.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval import evaluate, store  # noqa: E402
from retrieval.backends import BackendRetriever, Candidates, EmbeddedBackend  # noqa: E402
from retrieval.index import (  # noqa: E402
    CorpusIndex,
    build,
    term_counts,
)
from retrieval.ranking import RankingParams  # noqa: E402
from retrieval.search import Retriever  # noqa: E402

# The backend ranks by hand (no learned reranker): the embedded reference does the same.
HAND_RANKING = RankingParams(rerank_depth=0)


class LuceneSelection(EmbeddedBackend):
    """The embedded backend, but candidates chosen by Lucene's BM25 like a cluster would.

    With `lucene_evidence`, Lucene's score is also the sentence evidence (no recomputation).
    """

    def __init__(self, index: CorpusIndex, lucene_evidence: bool = False) -> None:
        super().__init__(index)
        self.lucene_evidence = lucene_evidence
        n_sents = index.n_sentences
        token_sents = np.repeat(np.arange(n_sents), np.diff(index.sent_token_ptr))
        counts = term_counts(index.token_terms, token_sents, len(index.vocabulary), n_sents)
        df = np.diff(counts.indptr).astype(np.float64)
        lucene_idf = np.log1p((n_sents - df + 0.5) / (df + 0.5))
        lengths = index.sentences.doc_lengths
        k1, b = index.params.k1, index.params.b
        norm = k1 * (1 - b + b * lengths / lengths.mean())
        tf = counts.data.astype(np.float64)
        weights = np.repeat(lucene_idf, np.diff(counts.indptr)) * tf / (tf + norm[counts.indices])
        self.lucene = counts.copy().astype(np.float64)
        self.lucene.data = weights

    def sentence_candidates(self, terms: Sequence[str], limit: int) -> Candidates:
        """Return the `limit` best sentences by Lucene's BM25, with rank-bm25's (or
        Lucene's) score as their evidence."""
        ids = self.index.term_ids(terms)
        if not ids:
            return Candidates([], [], self.mean_length)
        lucene = np.asarray(self.lucene[ids].sum(axis=0)).ravel()
        docs = np.flatnonzero(lucene > 0)
        chosen = docs[np.lexsort((docs, -lucene[docs]))][:limit]
        evidence = lucene if self.lucene_evidence else self.index.sentences.dense_scores(ids)
        order = chosen[np.lexsort((chosen, -evidence[chosen]))]
        return Candidates(
            [self._sentence(int(d)) for d in order],
            [float(evidence[d]) for d in order],
            self.mean_length,
        )


def main() -> None:
    """Print Hit@1 and agreement per variant; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", required=True)
    parser.add_argument("--distractors", help="corpus folder whose articles are added")
    parser.add_argument("--distractors-index", help="its persisted index (default DIR/.index)")
    parser.add_argument("--limit", type=int, default=0, help="questions asked (0: all)")
    args = parser.parse_args()
    dataset = evaluate.load_squad(Path(args.squad))
    articles = list(dataset.articles)
    if args.distractors:
        index_dir = Path(args.distractors_index) if args.distractors_index else None
        articles += store.open_index(Path(args.distractors), index_dir).index.articles
    embedded = Retriever(build(articles), confidence_model=None, ranking_params=HAND_RANKING)
    questions = dataset.questions[: args.limit or None]
    index = embedded.index
    variants = {
        "rank-bm25 (embedded)": embedded,
        "Lucene selects, fetch x1": BackendRetriever(LuceneSelection(index), fetch_factor=1),
        "Lucene selects, fetch x3": BackendRetriever(LuceneSelection(index), fetch_factor=3),
        "Lucene score as evidence": BackendRetriever(LuceneSelection(index, True), fetch_factor=3),
    }
    reference: list[str | None] = []
    for name, retriever in variants.items():
        tops, hits = [], 0
        for q in questions:
            found = retriever.search(q.text, top_k=1)
            tops.append(found[0].text if found else None)
            hits += evaluate.first_hit_rank(found, q, dataset.articles) == 1
        reference = reference or tops
        same = sum(a == b for a, b in zip(reference, tops, strict=True))
        n = len(questions)
        print(f"{name:26s} Hit@1 {hits / n:.3f}   same top sentence as embedded {same}/{n}")


if __name__ == "__main__":
    main()

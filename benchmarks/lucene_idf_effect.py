"""What Lucene's BM25 changes when a cluster selects the candidate sentences.

rank-bm25 (the embedded index): idf = ln((N - df + 0.5) / (df + 0.5)), floored at
epsilon × mean idf when negative; weight = idf · tf · (k1 + 1) / (tf + k1 · norm).
Lucene (OpenSearch/Elasticsearch): idf = ln(1 + (N - df + 0.5) / (df + 0.5)), always
positive; weight = idf · tf / (tf + k1 · norm) (no (k1 + 1): a constant factor, no effect on
order), and the document length is stored in one lossy byte (not modelled here).

The OpenSearch backend lets the cluster choose the best 300 candidate sentences by Lucene's
score; the articles holding them become the candidate corpus, ranked with rank-bm25's weights
(retrieval/backends/candidates.py). This script replays that on the embedded index (no
cluster needed: `backends.cut.CutBackend`) with the full product ranking, and prints
XQuAD-ar Hit@1 and top-sentence agreement for: the whole index; candidates chosen by
rank-bm25 (300); by Lucene (300, 900).

    python benchmarks/lucene_idf_effect.py --squad ../shared/data/xquad-ar/xquad.ar.json \
        [--distractors CORPUS_DIR [--distractors-index DIR]] [--limit N]

On XQuAD's 48 articles the pool holds nearly every matching sentence, so the selection
cannot matter; `--distractors` adds a corpus folder's articles (e.g. SaudiNewsNet written by
benchmarks/scaling.py) so that the pool truncates as it does on a real corpus.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval import evaluate, store  # noqa: E402
from retrieval.backends.cut import CutBackend  # noqa: E402
from retrieval.bm25 import term_counts  # noqa: E402
from retrieval.index import CorpusIndex, build  # noqa: E402
from retrieval.search import Retriever  # noqa: E402


class LuceneSelection(CutBackend):
    """Candidate corpora cut out of an in-memory index, the candidate sentences chosen by
    Lucene's BM25 as a cluster chooses them."""

    def __init__(self, index: CorpusIndex, candidate_sentences: int) -> None:
        super().__init__(index, candidate_sentences)
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

    def select(self, term_ids: list[int], limit: int) -> np.ndarray:
        """Return the best `limit` sentences for `term_ids` by Lucene's BM25."""
        if not term_ids:
            return np.empty(0, dtype=np.int64)
        lucene = np.asarray(self.lucene[term_ids].sum(axis=0)).ravel()
        docs = np.flatnonzero(lucene > 0)
        return docs[np.lexsort((docs, -lucene[docs]))][:limit]


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
    embedded = Retriever(build(articles))
    questions = dataset.questions[: args.limit or None]
    index = embedded.index
    variants = {
        "rank-bm25 (embedded)": embedded,
        "rank-bm25 selects 300": Retriever(CutBackend(index, 300)),
        "Lucene selects 300": Retriever(LuceneSelection(index, 300)),
        "Lucene selects 900": Retriever(LuceneSelection(index, 900)),
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

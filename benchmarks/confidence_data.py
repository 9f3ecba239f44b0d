"""Build the training and calibration data of the answer-confidence model.

    python benchmarks/confidence_data.py [--out /tmp/confidence-data.npz] [--questions 400]

For each question, the confidence features (retrieval/confidence.py) of the top sentence as
the product ranks it (the hand ranking reordered by the learned reranker) and whether it
answers. The day split is the reranker's (retrieval/newsqa.py): training questions come only
from its training days (`newsqa.training_days`), evaluation questions are the news check's
own (`newsqa.check_questions`, the other days), each story wholly on its split's days. The
sets, each named in the output:

- news: questions generated from SaudiNewsNet (retrieval/newsqa.py, the news check's kinds)
  on SaudiNewsNet + the seed, with one to three words of other headlines inserted (real
  questions hold words their answer lacks); correct = the news check's copy hit (headline
  questions: the story hit).
- news-check: the evaluation questions as the news check asks them (no inserted words).
- news-removed: the same questions with every article of their story left out of the
  candidates (what a corpus without them would rank, but for their share of the idf: a few
  articles in 30k); a top sentence that is still a copy of the source is dropped as
  answerable.
- news-swapped: the question's rarest word replaced by a word of about the same rarity from
  another story's headline: the same question about something else.
- news-vs-xquad: the news questions asked against the XQuAD-ar corpus.
- xquad: XQuAD-ar questions on their own corpus (evaluation and thresholds only, never
  fitting; the article index is kept for the even/odd half rule).
- xquad-removed: each article's questions against the corpus without it (rebuilt).
- xquad-vs-news: XQuAD-ar questions against SaudiNewsNet: all unanswerable.

Only the news training sets fit the classifier (benchmarks/confidence_train.py).
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from squad_file import DEFAULT_SQUAD

from retrieval import analyzer, evaluate, newsqa, ranking, rerank
from retrieval.bm25 import BM25Matrix
from retrieval.confidence import NEIGHBOURS, Scorer
from retrieval.corpus import read_corpus
from retrieval.index import CorpusIndex, build

REPO = Path(__file__).resolve().parents[1]
TRAIN_SEED = 23


@dataclass(frozen=True, slots=True)
class Sample:
    """One question's top sentence: its features, whether it answers, and where it is from."""

    features: np.ndarray
    correct: bool
    group: str
    split: str  # "train" or "eval"
    half: int  # XQuAD article parity (0 even, 1 odd); -1 elsewhere


class ExcludingMatrix(BM25Matrix):
    """A sentence matrix whose `scores` never return the excluded sentences: ranking over it
    ranks as a corpus without them would, but for their share of the idf (paragraph and
    article evidence is only ever read for candidates, and every evidence is scaled by its
    best value among them)."""

    def __init__(self, matrix: BM25Matrix, excluded: np.ndarray) -> None:
        super().__init__(matrix.weights, matrix.doc_lengths)
        self.excluded = excluded

    def scores(self, term_ids: object) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[override]
        docs, values = super().scores(term_ids)  # type: ignore[arg-type]
        keep = ~np.isin(docs, self.excluded, assume_unique=False)
        return docs[keep], values[keep]


def product_ranker(index: CorpusIndex) -> ranking.Ranker:
    """Return the ranker `Retriever` uses on `index`: the hand ranking with its best
    candidates reordered by the learned reranker (none for a corpus of a few articles)."""
    params = ranking.RankingParams()
    return ranking.Ranker(index, params, rerank.load(index) if params.rerank_depth else None)


def top(
    index: CorpusIndex, scorer: Scorer, question: str, ranker: ranking.Ranker
) -> tuple[np.ndarray, int] | None:
    """Return the features of the best sentence for `question` and its id, or None."""
    query = ranking.analyze(index, question)
    if not query.term_ids:
        return None
    ranked = ranker.ranked(query, 16)
    docs, scores = ranked.docs, ranked.score
    if len(docs) == 0:
        return None
    kept, keys = [], set()
    for i, doc in enumerate(docs.tolist()):
        key = int(index.sent_key[doc])
        if key not in keys:
            keys.add(key)
            kept.append(i)
        if len(kept) == NEIGHBOURS:
            break
    docs, scores = docs[kept], scores[kept]
    return scorer.features(query, docs, scores, [0], ranked.learned)[0], int(docs[0])


def news_correct(index: CorpusIndex, q: newsqa.NewsQuestion, sentence: int) -> bool:
    """Return whether `sentence` answers generated question `q` (the news check's rule)."""
    if q.sentence_key is None:
        return int(index.sent_article[sentence]) in q.story
    if int(index.sent_key[sentence]) == q.sentence_key:
        return True
    return newsqa.is_copy(index.sentence_text(sentence), q.sentence_terms)


def swap_rarest(question: str, index: CorpusIndex, titles: list[str], rng: random.Random) -> str:
    """Return `question` with its rarest known word replaced by a headline word of about the
    same document frequency (within a factor of two) that the question does not hold."""
    indptr = index.sentences.weights.indptr

    def df(word: str) -> int:
        ids = index.term_ids(analyzer.terms(word))
        return int(indptr[ids[0] + 1] - indptr[ids[0]]) if ids else 0

    words = question.rstrip("؟").split()
    known = [(df(w), i) for i, w in enumerate(words) if df(w) > 0]
    if not known:
        return question
    target, at = min(known)
    for _ in range(200):
        word = rng.choice(rng.choice(titles).split()).strip("«»\"'().,:؛،؟!-")
        if len(word) > 3 and word not in words and target / 2 <= df(word) <= target * 2 + 2:
            words[at] = word
            return " ".join(words) + "؟"
    return question


def add_paraphrase_words(question: str, titles: list[str], rng: random.Random) -> str:
    """Return `question` with one to three words of other headlines inserted at random places.

    Generated questions are made of their article's own words, real ones are not (XQuAD-ar's
    hold a third of words their answer lacks): without this, a classifier learns that an
    answer holds every word of its question.
    """
    words = question.rstrip("؟").split()
    for _ in range(rng.choice((1, 2, 2, 3))):
        extra = rng.choice(rng.choice(titles).split()).strip("«»\"'().,:؛،؟!-")
        if len(extra) > 2:
            words.insert(rng.randrange(1, len(words) + 1), extra)
    return " ".join(words) + "؟"


def news_samples(
    index: CorpusIndex,
    xquad_index: CorpusIndex,
    questions: list[newsqa.NewsQuestion],
    split: str,
    seed: int,
    noise: bool,
) -> list[Sample]:
    """Return the news, news-removed, news-swapped and news-vs-xquad samples of `questions`."""
    scorer, ranker = Scorer(index), product_ranker(index)
    x_scorer, x_ranker = Scorer(xquad_index), product_ranker(xquad_index)
    titles = [a.title for a in index.articles if a.title]
    rng = random.Random(seed)
    article_start = np.searchsorted(index.sent_article, np.arange(len(index.articles) + 1))
    samples: list[Sample] = []
    for q in questions:
        text = q.text
        if noise:
            text = add_paraphrase_words(text, titles, rng)
        found = top(index, scorer, text, ranker)
        if found is None:
            continue
        samples.append(Sample(found[0], news_correct(index, q, found[1]), "news", split, -1))
        story = sorted(q.story)
        excluded = np.concatenate(
            [np.arange(article_start[a], article_start[a + 1]) for a in story]
        )
        removed_index = replace(index, sentences=ExcludingMatrix(index.sentences, excluded))
        # The full index's reranker: its facts are the same but for the removed articles'.
        removed_ranker = ranking.Ranker(removed_index, ranker.params, ranker.reranker)
        gone = top(index, scorer, text, removed_ranker)
        if gone is not None and not news_correct(index, q, gone[1]):
            samples.append(Sample(gone[0], False, "news-removed", split, -1))
        swapped = swap_rarest(text, index, titles, rng)
        other = top(index, scorer, swapped, ranker) if swapped != text else None
        if other is not None:
            samples.append(Sample(other[0], False, "news-swapped", split, -1))
        far = top(xquad_index, x_scorer, text, x_ranker)
        if far is not None:
            samples.append(Sample(far[0], False, "news-vs-xquad", split, -1))
    return samples


def news_check_samples(index: CorpusIndex, questions: list[newsqa.NewsQuestion]) -> list[Sample]:
    """Return the news check's own questions (no inserted words) on the news corpus."""
    scorer, ranker = Scorer(index), product_ranker(index)
    samples: list[Sample] = []
    for q in questions:
        found = top(index, scorer, q.text, ranker)
        if found is not None:
            correct = news_correct(index, q, found[1])
            samples.append(Sample(found[0], correct, "news-check", "eval", -1))
    return samples


def xquad_samples(dataset: evaluate.Dataset, news_index: CorpusIndex) -> list[Sample]:
    """Return the xquad, xquad-removed and xquad-vs-news samples (evaluation only)."""
    samples: list[Sample] = []
    full = build(dataset.articles)
    scorer, ranker = Scorer(full), product_ranker(full)
    n_scorer, n_ranker = Scorer(news_index), product_ranker(news_index)
    for q in dataset.questions:
        half = q.article % 2
        found = top(full, scorer, q.text, ranker)
        if found is not None:
            correct = _xquad_hit(full, found[1], q, dataset)
            samples.append(Sample(found[0], correct, "xquad", "eval", half))
        far = top(news_index, n_scorer, q.text, n_ranker)
        if far is not None:
            samples.append(Sample(far[0], False, "xquad-vs-news", "eval", half))
    for removed in range(len(dataset.articles)):
        rest = build(dataset.articles[:removed] + dataset.articles[removed + 1 :])
        r_scorer, r_ranker = Scorer(rest), product_ranker(rest)
        for q in dataset.questions:
            if q.article == removed:
                gone = top(rest, r_scorer, q.text, r_ranker)
                if gone is not None:
                    samples.append(Sample(gone[0], False, "xquad-removed", "eval", removed % 2))
    return samples


def _xquad_hit(
    index: CorpusIndex, sentence: int, q: evaluate.Question, dataset: evaluate.Dataset
) -> bool:
    """Return the yardstick's Hit@1 verdict for `sentence` as the top answer to `q`."""
    article = index.articles[int(index.sent_article[sentence])]
    if article.id != dataset.articles[q.article].id:
        return False
    text = evaluate.yardstick_normalize(index.sentence_text(sentence))
    return any((g := evaluate.yardstick_normalize(a)) and g in text for a in q.answers)


def main() -> None:
    """Build every set and save the samples as one .npz file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/saudinewsnet")
    parser.add_argument("--squad", type=Path, default=DEFAULT_SQUAD)
    parser.add_argument(
        "--questions",
        type=int,
        default=400,
        help="training questions per kind (before the story filter)",
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/confidence-data.npz"))
    parser.add_argument("--seed", type=int, default=TRAIN_SEED, help="training question draw")
    args = parser.parse_args()
    started = time.perf_counter()
    articles = newsqa.read_news(args.data) + read_corpus(REPO / "corpus").articles
    index = build(articles)
    print(f"news index: {index.n_sentences} sentences ({time.perf_counter() - started:.0f} s)")
    dataset = evaluate.load_squad(args.squad)
    xquad_index = build(dataset.articles)
    train_days = newsqa.training_days(articles)
    train = newsqa.on_days(
        index,
        newsqa.make_questions(
            index, args.questions, args.seed, keep=lambda a: newsqa.day_of(a) in train_days
        ),
        train_days,
    )
    check = newsqa.check_questions(index, 300)
    print(
        f"{len(train)} training questions from the reranker's training days, "
        f"{len(check)} news-check questions from the other days"
    )
    samples = news_samples(index, xquad_index, train, "train", args.seed, noise=True)
    samples += news_samples(index, xquad_index, check, "eval", newsqa.CHECK_SEED, noise=True)
    samples += news_check_samples(index, check)
    samples += xquad_samples(dataset, index)
    np.savez(
        args.out,
        features=np.array([s.features for s in samples]),
        correct=np.array([s.correct for s in samples]),
        group=np.array([s.group for s in samples]),
        split=np.array([s.split for s in samples]),
        half=np.array([s.half for s in samples]),
    )
    counts: dict[tuple[str, str], int] = {}
    for s in samples:
        counts[(s.split, s.group)] = counts.get((s.split, s.group), 0) + 1
    for (split, group), n in sorted(counts.items()):
        print(f"{split:5} {group:14} {n}")
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

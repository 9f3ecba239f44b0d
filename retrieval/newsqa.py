"""Questions generated from news articles, for the news check and the reranker's training.

There is no QA set for SaudiNewsNet, so questions are made from its articles the way a reader
would ask them (benchmarks/news_quality_check.py describes the kinds). The day archives are
split: the reranker trains on questions from `TRAIN_DAYS` (the first ten day files, in name
order) and the news check asks only about articles of the other nine, so no evaluated
question comes from a day the model has seen.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval import analyzer
from retrieval.corpus import Article, ArticleFormatError, make_article
from retrieval.index import CorpusIndex
from retrieval.normalize import normalize_for_comparison

TRAIN_DAY_FILES = 10  # the first day archives, in name order, are for training
CHECK_SEED = 11  # the news check's question draw

KINDS = ("number", "date", "headline", "overlap")
_NUMBER = re.compile(r"(?<![\d.,])\d{2,}(?:[.,]\d+)*(?![\d.,])")
_ANY_NUMBER = re.compile(r"\d{2,}")  # the earlier check's rule, kept for its questions
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_MONTHS = frozenset(
    "يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر "
    "محرم صفر ربيع جمادي رجب شعبان رمضان شوال القعده الحجه".split()
)


@dataclass(frozen=True, slots=True)
class NewsQuestion:
    """A generated question, the key of the sentence answering it and the articles of its story."""

    kind: str
    text: str
    sentence_key: int | None  # None: any sentence of the story answers (headline questions)
    story: frozenset[int]
    sentence_terms: frozenset[str]  # index terms of the source sentence (empty for headline)


def read_news(data: Path) -> list[Article]:
    """Return the SaudiNewsNet articles of every day archive under `data`."""
    articles: list[Article] = []
    for path in sorted(data.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            records = json.loads(archive.read(archive.namelist()[0]))
        for n, record in enumerate(records):
            meta = {k: record.get(k) for k in ("title", "source", "url", "author")}
            meta["date"] = record.get("date_extracted")
            try:
                articles.append(
                    make_article(f"{path.stem}-{n}", path.name, meta, record.get("content") or "")
                )
            except ArticleFormatError:
                continue
    return articles


def news_for_training(news: str, package: str, extra: str) -> list[Article] | None:
    """Return the SaudiNewsNet articles under `news` for a training command, or None after
    one error line on stderr: `package` (from the `extra` install extra) is missing, or the
    day archives are unreadable or absent. The `train` and `vectors` commands share it."""
    if importlib.util.find_spec(package) is None:
        print(f"error: this command needs {package}: pip install '.[{extra}]'", file=sys.stderr)
        return None
    try:
        articles = read_news(Path(news))
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        print(f"error: cannot read the day archives in {news}: {exc}", file=sys.stderr)
        return None
    if not articles:
        print(f"error: no SaudiNewsNet day archives (.zip) in {news}", file=sys.stderr)
        return None
    return articles


def content_words(text: str) -> list[str]:
    """Return the words of `text` (as written) that are neither stopwords nor numbers."""
    words = [w.strip("«»\"'().,:؛،؟!-") for w in text.split()]
    return [w for w in words if len(w) > 2 and analyzer.terms(w) and not w[0].isdigit()]


def stories(index: CorpusIndex) -> dict[str, list[int]]:
    """Return the article ids of each normalized headline (one story, several papers)."""
    by_title: dict[str, list[int]] = defaultdict(list)
    for a, article in enumerate(index.articles):
        by_title[normalize_for_comparison(article.title)].append(a)
    return by_title


def make_questions(
    index: CorpusIndex,
    per_kind: int,
    seed: int = 11,
    *,
    kinds: tuple[str, ...] = KINDS,
    keep: Callable[[Article], bool] = lambda article: True,
) -> list[NewsQuestion]:
    """Return `per_kind` questions of each of `kinds`, drawn as benchmarks/news_quality_check.py
    says, from the news articles `keep` accepts (a day split)."""
    rng = random.Random(seed)
    by_title = stories(index)
    made: dict[str, list[NewsQuestion]] = {kind: [] for kind in kinds}
    while any(len(made[kind]) < per_kind for kind in kinds):
        s = rng.randrange(index.n_sentences)
        a = int(index.sent_article[s])
        article = index.articles[a]
        text = index.sentence_text(s)
        title_words = content_words(article.title)
        if not article.path.endswith(".zip") or len(title_words) < 3 or not 60 <= len(text) <= 300:
            continue
        if not keep(article):
            continue
        story = frozenset(by_title[normalize_for_comparison(article.title)]) | {a}
        key: int | None = int(index.sent_key[s])
        words = text.split()
        headline = rng.sample(title_words, max(2, len(title_words) // 2))
        kind = rng.choice(kinds)
        question: str | None = None
        if kind == "number":
            at = next((i for i, w in enumerate(words) if _NUMBER.fullmatch(w.strip("،.%"))), None)
            after = words[at + 1 : at + 3] if at is not None else []
            counted = content_words(" ".join(after))
            dated = at is None or _YEAR.match(words[at]) or any(map(_is_date, after))
            if counted and not dated:
                question = f"كم {' '.join(counted)} {' '.join(headline)}؟"
        elif kind == "date":
            at = next((i for i, w in enumerate(words) if _is_date(w)), None)
            event = content_words(" ".join(words[max(0, at - 4) : at])) if at else []
            if len(event) >= 2:
                question = f"متى {' '.join(event[-3:])} {' '.join(headline)}؟"
        elif kind == "headline":
            kept = rng.sample(title_words, max(2, 2 * len(title_words) // 3))
            question = f"{rng.choice(['ما الذي', 'ماذا عن'])} {' '.join(kept)}؟"
            key = None
        elif kind == "paraphrase":
            question = _paraphrase(rng, words, headline)
        elif kind == "answer":
            question = _answer_question(rng, words, headline)
        else:
            number = _ANY_NUMBER.search(text)
            own = text.replace(number.group(), " ").split() if number else []
            own = [w for w in own if len(w) > 2]
            if len(own) >= 6:
                kept = rng.sample(own, max(4, len(own) // 3))
                question = f"{rng.choice(['كم', 'ما', 'متى'])} {' '.join(kept)}؟"
        if question and len(made[kind]) < per_kind:
            terms = frozenset(analyzer.terms(text)) if key is not None else frozenset()
            made[kind].append(NewsQuestion(kind, question, key, story, terms))
    return [q for kind in kinds for q in made[kind]]


def _paraphrase(rng: random.Random, words: list[str], headline: list[str]) -> str | None:
    """Return a question like a reader's who half remembers the sentence: a question word,
    about half of its content words in another order, sometimes a headline word; None for
    a sentence with too few words. Only for training: it teaches the reranker to find a
    sentence that shares some of the question's words, not the one repeating the topic."""
    own = content_words(" ".join(words))
    if len(own) < 5:
        return None
    kept = rng.sample(own, max(3, len(own) * rng.choice((3, 4, 5)) // 10))
    if rng.random() < 0.5:
        kept.append(rng.choice(headline))
    rng.shuffle(kept)
    opener = rng.choice(["ما", "ماذا", "من", "أين", "كيف", "لماذا", "ما هو", "ما هي"])
    return f"{opener} {' '.join(kept)}؟"


_TITLES = frozenset(
    "الامير الملك الشيخ الدكتور د المهندس الاستاذ السيد الرئيس الوزير اللواء العميد "
    "المدير الامين المحافظ السفير النائب معالي سمو".split()
)


def _answer_span(words: list[str], rng: random.Random) -> tuple[str, int, int]:
    """Return (question word, start, end) of the words a question about the sentence asks
    for: a number (كم), a date (متى), a titled name (من), or else two words (ما / ماذا)."""
    folded = [analyzer.tokens(w) for w in words]
    for i, w in enumerate(words):
        if _NUMBER.fullmatch(w.strip("،.%")) and not _YEAR.match(w):
            return "كم", i, i + 1
        if _is_date(w):
            return "متى", i, i + 2
        if folded[i] and folded[i][0].removeprefix("و") in _TITLES:
            return "من", i, i + 3
    at = rng.randrange(len(words) - 1)
    return rng.choice(["ما", "ماذا", "ما هو", "ما هي"]), at, at + 2


def _answer_question(rng: random.Random, words: list[str], headline: list[str]) -> str | None:
    """Return a question like a reader's who read the sentence: its answer (a number, a
    date, a name or two words) replaced by the matching question word, and about three
    quarters of its other content words, in their order, sometimes behind a headline word;
    None for a sentence with too few words. Only for training."""
    if len(words) < 5:
        return None
    opener, start, end = _answer_span(words, rng)
    own = content_words(" ".join(words[:start] + words[end:]))
    kept = [w for w in own if rng.random() < 0.75]
    if len(kept) < 3:
        return None
    if rng.random() < 0.3:
        kept.insert(0, rng.choice(headline))
    return f"{opener} {' '.join(kept)}؟"


def day_of(article: Article) -> str:
    """Return the day archive an article was read from (its path, e.g. 2015-07-21.zip)."""
    return Path(article.path).name


def training_days(articles: Sequence[Article]) -> frozenset[str]:
    """Return the day archives of the training split: the first `TRAIN_DAY_FILES` by name."""
    days = sorted({day_of(a) for a in articles if a.path.endswith(".zip")})
    return frozenset(days[:TRAIN_DAY_FILES])


def on_days(
    index: CorpusIndex, questions: Sequence[NewsQuestion], days: frozenset[str]
) -> list[NewsQuestion]:
    """Return the questions whose whole story ran on `days` (a story can span several days:
    one that also ran on a day of the other split would leak across it)."""
    return [q for q in questions if all(day_of(index.articles[a]) in days for a in q.story)]


def check_questions(index: CorpusIndex, per_kind: int) -> list[NewsQuestion]:
    """Return the news check's questions: the draw of seed `CHECK_SEED` from the articles of
    the days not trained on, keeping those whose whole story ran on such days."""
    train = training_days(index.articles)
    held_out = frozenset(day_of(a) for a in index.articles if a.path.endswith(".zip")) - train
    questions = make_questions(index, per_kind, CHECK_SEED, keep=lambda a: day_of(a) in held_out)
    return on_days(index, questions, held_out)


def _is_date(word: str) -> bool:
    """Return whether `word` is a year or a month name (with an attached و ف ب ل)."""
    folded = analyzer.tokens(word)
    if not folded:
        return False
    token = folded[0]
    return bool(_YEAR.match(token)) or token in _MONTHS or token[1:] in _MONTHS


def is_copy(text: str, source_terms: frozenset[str]) -> bool:
    """Return whether sentence `text` is the source sentence or a reworded copy of it: at
    least half of the distinct terms of the two are shared (another paper's wording)."""
    terms = frozenset(analyzer.terms(text))
    union = terms | source_terms
    return bool(union) and len(terms & source_terms) / len(union) >= 0.5

"""Near-copies: clusters of sentences and stories of articles, kept by updates, collapsed by
search, and attributed in `Hit.also` and `ask --json`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval import cli, dedup, evaluate
from retrieval.corpus import Article
from retrieval.index import CorpusIndex, analyze, build, compile_index, concat
from retrieval.search import Retriever
from retrieval.store import open_index
from tests.test_index_build import assert_same_index

# One wire story as three papers printed it: the same facts, a few words changed.
STORY = {
    "sabq": "أعلنت وزارة الصحة افتتاح مستشفى الملك فهد الجديد في جدة بسعة خمسمئة سرير.",
    "alyaum": "أعلنت وزارة الصحة اليوم افتتاح مستشفى الملك فهد الجديد في جدة بسعة خمسمئة سرير.",
    "alriyadh": "وأعلنت وزارة الصحة افتتاح مستشفى الملك فهد الجديد بمدينة جدة بسعة خمسمئة سرير.",
}
OTHER = [
    "وقال مدير الشؤون الصحية إن المستشفى يخدم سكان الأحياء الجنوبية والقرى المجاورة.",
    "ويضم المستشفى أقسامًا للطوارئ والعناية المركزة وجراحة القلب والأطفال.",
    "وتبلغ تكلفة المشروع ثلاثمئة مليون ريال مولتها الميزانية العامة للدولة.",
]
UNRELATED = "هطلت أمطار غزيرة على مرتفعات عسير وجرفت السيول عددًا من السيارات في الأودية."


def story_article(paper: str, date: str, extra: str = "") -> Article:
    """Return the story as `paper` ran it on `date`: its wording of the lead, then the rest."""
    text = " ".join([STORY[paper], *OTHER]) + (f"\n\n{extra}" if extra else "")
    return Article(
        id=f"{paper}-1",
        title=f"افتتاح مستشفى في جدة ({paper})",
        text=text,
        path=f"{paper}.md",
        source=paper,
        url=f"https://{paper}.example/news?id=1&x=2",
        date=date,
    )


@pytest.fixture
def articles() -> list[Article]:
    return [
        story_article("sabq", "2015-07-22"),
        story_article("alyaum", "2015-07-21"),
        Article(id="weather", title="أمطار عسير", text=UNRELATED, path="w.md", source="was"),
        story_article("alriyadh", "2015-07-23"),
    ]


def sentence_of(index_articles: list[Article], retriever: Retriever, article_id: str) -> int:
    """Return the first sentence of the article with `article_id`."""
    a = next(i for i, x in enumerate(index_articles) if x.id == article_id)
    return int(np.searchsorted(retriever.index.sent_article, a))


def test_reworded_copies_share_a_cluster_and_other_sentences_do_not(
    articles: list[Article],
) -> None:
    retriever = Retriever.from_articles(articles)
    index = retriever.index
    leads = [sentence_of(articles, retriever, f"{p}-1") for p in ("sabq", "alyaum", "alriyadh")]
    assert len({int(index.sent_cluster[s]) for s in leads}) == 1
    weather = sentence_of(articles, retriever, "weather")
    assert index.sent_cluster[weather] not in index.sent_cluster[leads]
    # The three papers' copies of each sentence form one cluster per sentence.
    assert len(np.unique(index.sent_cluster)) == 1 + 1 + len(OTHER)


def test_copies_of_one_story_share_a_story_id_and_count_once(articles: list[Article]) -> None:
    retriever = Retriever.from_articles(articles)
    story = retriever.index.article_story
    assert story[0] == story[1] == story[3] != story[2]
    assert retriever.stats().stories == 2 and retriever.stats().articles == 4


def test_short_sentences_join_only_their_exact_copies() -> None:
    texts = ["قال الوزير ذلك.", "قال الوزير ذلك!", "قال الوزير أمس."]
    index = build([Article(id=f"a{i}", title="", text=t, path=f"{i}") for i, t in enumerate(texts)])
    assert index.sent_cluster[0] == index.sent_cluster[1] != index.sent_cluster[2]


def test_clusters_do_not_depend_on_how_the_analysis_was_pieced_together(
    articles: list[Article],
) -> None:
    parts = concat([analyze(articles[:1]), analyze(articles[1:3]), analyze(articles[3:])])
    assert_same_index(compile_index(parts), build(articles))


def test_an_added_article_joins_the_cluster_and_a_removed_one_leaves_it(
    articles: list[Article], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for article in articles[:3]:
        write_article(corpus, article)
    open_index(corpus)

    write_article(corpus, articles[3])  # alriyadh's copy arrives
    added = open_index(corpus)
    assert added.outcome == "updated"
    assert_same_index(added.index, open_index(corpus, tmp_path / "fresh").index)
    assert lead_clusters(added.index) == {"alriyadh": 1, "alyaum": 1, "sabq": 1}
    assert len(np.unique(added.index.article_story)) == 2

    (corpus / "alyaum.md").unlink()
    removed = open_index(corpus)
    assert removed.outcome == "updated"
    assert_same_index(removed.index, open_index(corpus, tmp_path / "fresh2").index)
    assert lead_clusters(removed.index) == {"alriyadh": 1, "sabq": 1}


def lead_clusters(index: CorpusIndex) -> dict[str, int]:
    """Return, per paper, how many clusters of the index hold the story's lead sentence."""
    leads = [s for s in range(index.n_sentences) if "خمسمئة سرير" in index.sentence_text(s)]
    assert len({int(index.sent_cluster[s]) for s in leads}) == 1
    papers = [index.articles[int(index.sent_article[s])].source or "" for s in leads]
    return {paper: papers.count(paper) for paper in papers}


def write_article(corpus: Path, article: Article) -> None:
    """Write `article` as a Markdown file with front matter named after its path."""
    meta = {"title": article.title, "source": article.source, "url": article.url}
    meta["date"] = article.date
    front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items() if v)
    (corpus / article.path).write_text(f"---\n{front}\n---\n{article.text}\n", encoding="utf-8")


def test_search_shows_one_copy_the_earliest_on_a_tie_and_lists_the_others(
    articles: list[Article],
) -> None:
    retriever = Retriever.from_articles(articles)
    hits = retriever.search("متى افتتح مستشفى الملك فهد في جدة؟", top_k=5)
    leads = [h for h in hits if "خمسمئة سرير" in h.text]
    assert len(leads) == 1
    lead = leads[0]
    papers = [lead.article.source, *(c.article.source for c in lead.also)]
    assert sorted(papers) == ["alriyadh", "alyaum", "sabq"]
    assert [c.article.date for c in lead.also] == sorted(c.article.date for c in lead.also)
    assert all(c.article.id != lead.article.id for c in lead.also)


def test_tie_between_copies_goes_to_the_earliest_published() -> None:
    same = "أعلنت وزارة الصحة افتتاح مستشفى الملك فهد الجديد في جدة بسعة خمسمئة سرير."
    late = Article(id="late", title="خبر", text=same, path="1", source="sabq", date="2015-07-22")
    early = Article(id="early", title="خبر", text=same, path="2", source="was", date="2015-07-20")
    hits = Retriever.from_articles([late, early]).search("مستشفى الملك فهد في جدة")
    assert len(hits) == 1
    assert hits[0].article.id == "early" and [c.article.id for c in hits[0].also] == ["late"]


def test_paging_never_shows_a_cluster_twice(articles: list[Article]) -> None:
    retriever = Retriever(build(articles), min_score=0.0)
    question = "مستشفى جدة الصحة المشروع الطوارئ السيول"
    shown = [h for offset in range(0, 8, 2) for h in retriever.search(question, 2, offset)]
    clusters = [int(retriever.index.sent_cluster[h.sentence]) for h in shown]
    assert len(shown) == 5 and len(set(clusters)) == 5


def test_a_near_copy_shares_at_least_the_threshold_of_all_distinct_terms() -> None:
    a = frozenset(range(10))
    assert dedup.is_near_copy(a, a) and not dedup.is_near_copy(a, frozenset())
    assert dedup.is_near_copy(a, frozenset(range(2, 12)))  # 8 of 12 terms shared
    assert not dedup.is_near_copy(a, frozenset(range(4, 14)))  # 6 of 14


def test_an_article_signature_is_the_minhash_of_the_union_of_its_sentences() -> None:
    rng = np.random.default_rng(0)
    hashes = dedup.term_hashes([f"t{i}" for i in range(50)])
    tokens = rng.integers(0, 50, 40).astype(np.int32)
    ptr = np.array([0, 10, 10, 25, 40])
    per_sentence = dedup.signatures(hashes, tokens, ptr)
    grouped = dedup.grouped_signatures(per_sentence, np.array([0, 0, 1, 1]), 2)
    whole = dedup.signatures(hashes, tokens, np.array([0, 10, 40]))
    np.testing.assert_array_equal(grouped, whole)


def test_ask_json_lists_the_other_copies(
    articles: list[Article], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for article in articles:
        write_article(corpus, article)
    code = cli.main(["ask", "--corpus", str(corpus), "--json", "افتتاح مستشفى الملك فهد"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    lead = next(h for h in record["hits"] if "خمسمئة سرير" in h["text"])
    assert {c["source"] for c in lead["also"]} | {lead["article"]["source"]} == set(STORY)
    assert set(lead["also"][0]) == {"source", "url", "date", "title"}
    assert all(c["url"].startswith("https://") for c in lead["also"])


def test_eval_counts_a_copy_from_the_questions_article_as_found(
    articles: list[Article],
) -> None:
    retriever = Retriever.from_articles(articles)
    hit = next(
        h for h in retriever.search("افتتاح مستشفى الملك فهد بجدة") if "خمسمئة سرير" in h.text
    )
    for a, article in enumerate(articles):
        question = evaluate.Question("q", "?", a, ("مستشفى الملك فهد",))
        assert evaluate.is_hit(hit, question, articles) == (article.id != "weather")

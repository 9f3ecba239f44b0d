"""The OpenSearch backend against a loopback osmem-server: indexing, updates, deletes, the
alias switch, the seed answers and XQuAD-ar Hit@1 through the cluster."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from retrieval import cli, confidence, evaluate
from retrieval.corpus import Article
from retrieval.followup import PreviousTurn
from retrieval.index import build
from retrieval.opensearch import (
    BackendUnavailable,
    OpenSearchBackend,
    OpenSearchSettings,
    connect,
    sync,
    sync_index,
)
from retrieval.search import Retriever
from tests.conftest import CORPUS_DIR, SHARED_DATA
from tests.test_backends import SEED_QUESTIONS, answer, number_in_article

XQUAD = SHARED_DATA / "xquad-ar" / "xquad.ar.json"


@pytest.fixture
def client(loopback_opensearch: str) -> Any:
    return connect(OpenSearchSettings(url=loopback_opensearch))


@pytest.fixture
def alias(client: Any) -> Iterator[str]:
    """A fresh alias name per test; its index generations are deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    client.indices.delete(index=f"{name}-*", ignore_unavailable=True)


def _article(n: int, *sentences: str) -> Article:
    return Article(id=f"a{n}", title=f"عنوان {n}", text=" ".join(sentences), path=f"a{n}.txt")


ARTICLES = [
    _article(1, "تأسست شركة الصقر في جدة عام 1990.", "يعمل فيها ألف موظف.", "مقرها قرب البحر."),
    _article(2, "افتتح متحف الرمال في الرياض.", "يضم المتحف آلاف القطع الأثرية."),
    _article(3, "فاز نادي النخيل بالبطولة للمرة الثالثة.", "سجل المهاجم هدفين في النهائي."),
]


def _documents(client: Any, alias: str, article_id: str, kind: str) -> int:
    query = {"bool": {"filter": [{"term": {"article_id": article_id}}, {"term": {"kind": kind}}]}}
    return int(client.count(index=alias, body={"query": query})["count"])


def _top(client: Any, alias: str, question: str) -> str | None:
    hits = Retriever(OpenSearchBackend(client, alias)).search(question, top_k=1)
    return hits[0].text if hits else None


def test_first_sync_builds_a_generation_behind_the_alias_and_a_second_sends_nothing(
    client: Any, alias: str
) -> None:
    index = build(ARTICLES)
    first = sync_index(client, alias, index)
    assert first.rebuilt and first.sent == 3
    assert list(client.indices.get_alias(name=alias)) == [first.index]
    assert _documents(client, alias, "a1", "sentence") == 3
    again = sync_index(client, alias, index)
    assert (again.rebuilt, again.sent, again.deleted, again.unchanged) == (False, 0, 0, 3)
    assert _top(client, alias, "متى تأسست شركة الصقر؟") == "تأسست شركة الصقر في جدة عام 1990."


def test_a_changed_article_is_resent_and_the_sentences_it_lost_are_deleted(
    client: Any, alias: str
) -> None:
    sync_index(client, alias, build(ARTICLES))
    shorter = _article(1, "تأسست شركة الصقر في مكة عام 1995.")
    report = sync_index(client, alias, build([shorter, *ARTICLES[1:]]))
    assert (report.rebuilt, report.sent, report.unchanged) == (False, 1, 2)
    assert _documents(client, alias, "a1", "sentence") == 1
    assert _top(client, alias, "متى تأسست شركة الصقر؟") == "تأسست شركة الصقر في مكة عام 1995."
    assert _top(client, alias, "كم موظف يعمل في الشركة؟") != "يعمل فيها ألف موظف."


def test_a_removed_article_leaves_no_document_behind(client: Any, alias: str) -> None:
    sync_index(client, alias, build(ARTICLES))
    report = sync_index(client, alias, build(ARTICLES[:2]))
    assert report.deleted == 1
    for kind in ("sentence", "paragraph"):
        assert _documents(client, alias, "a3", kind) == 0
    assert not client.exists(index=alias, id="a3")
    assert _top(client, alias, "من فاز بالبطولة للمرة الثالثة؟") is None


def test_a_rebuild_switches_the_alias_and_drops_the_old_generation(client: Any, alias: str) -> None:
    old = sync_index(client, alias, build(ARTICLES))
    new = sync_index(client, alias, build(ARTICLES), rebuild=True)
    assert new.rebuilt and new.index != old.index
    assert list(client.indices.get_alias(name=alias)) == [new.index]
    assert not client.indices.exists(index=old.index)
    assert _top(client, alias, "أين افتتح متحف الرمال؟") == "افتتح متحف الرمال في الرياض."


def test_a_failed_rebuild_leaves_readers_on_the_old_index(
    client: Any, alias: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = sync_index(client, alias, build(ARTICLES))

    def refuse(*_: object) -> None:
        raise BackendUnavailable("error: OpenSearch refused a document: test")

    monkeypatch.setattr(sync, "_bulk", refuse)
    with pytest.raises(BackendUnavailable):
        sync_index(client, alias, build(ARTICLES[:1]), rebuild=True)
    assert list(client.indices.get_alias(name=alias)) == [old.index]
    assert list(client.indices.get(index=f"{alias}-*")) == [old.index]
    assert _top(client, alias, "أين افتتح متحف الرمال؟") == "افتتح متحف الرمال في الرياض."


def test_a_changed_bm25_setting_rebuilds_the_index(client: Any, alias: str) -> None:
    sync_index(client, alias, build(ARTICLES))
    index = build(ARTICLES)
    report = sync_index(client, alias, replace(index, params=replace(index.params, k1=1.2)))
    assert report.rebuilt and report.reason == "k1 changed (1.5 → 1.2)"


@pytest.mark.parametrize("question", SEED_QUESTIONS)
def test_seed_questions_get_the_same_answers_from_both_backends(
    client: Any, alias: str, question: str
) -> None:
    embedded = Retriever.open(CORPUS_DIR)
    sync_index(client, alias, embedded.index)
    cluster = Retriever(OpenSearchBackend(client, alias))
    expected, found = embedded.respond(question), cluster.respond(question)
    assert answer(found) == answer(expected)
    assert [h.article for h in found.hits] == [h.article for h in expected.hits]
    # A cluster names a sentence by its number within its article.
    assert [h.sentence for h in found.hits] == [
        number_in_article(embedded.index, h) for h in expected.hits
    ]


def _cli_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert cli.main(argv) == cli.EXIT_OK
    return dict(json.loads(capsys.readouterr().out))


def test_cli_index_then_ask_through_opensearch_prints_the_embedded_json(
    loopback_opensearch: str,
    alias: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus, ignore=shutil.ignore_patterns(".index"))
    monkeypatch.setenv("OPENSEARCH_URL", loopback_opensearch)
    monkeypatch.setenv("OPENSEARCH_INDEX", alias)
    indexed = _cli_json(
        ["index", "--backend", "opensearch", "--corpus", str(corpus), "--json"], capsys
    )
    assert indexed["opensearch"]["rebuilt"] is True
    question = "من هو مؤسس علي بابا؟"
    ask = ["ask", "--corpus", str(corpus), "--json", question]
    cluster, embedded = _cli_json([*ask, "--backend", "opensearch"], capsys), _cli_json(ask, capsys)
    assert cluster.keys() == embedded.keys() and cluster["answer"] == embedded["answer"]
    assert cluster["hits"] == embedded["hits"]


def test_xquad_hit_at_1_through_osmem_is_at_least_0_70(client: Any, alias: str) -> None:
    if not XQUAD.exists():
        pytest.skip(f"shared data not found: {XQUAD}")
    dataset = evaluate.load_squad(XQUAD)
    sync_index(client, alias, build(dataset.articles))
    retriever = Retriever(OpenSearchBackend(client, alias))
    # Every fourth question keeps the suite fast; benchmarks/opensearch_quality.py asks all.
    questions = dataset.questions[::4]
    ranks = [
        evaluate.first_hit_rank(retriever.search(q.text, top_k=1), q, dataset.articles)
        for q in questions
    ]
    assert sum(r == 1 for r in ranks) / len(ranks) >= 0.70


def test_cli_index_reports_a_rebuild_then_only_the_changed_article(
    loopback_opensearch: str,
    alias: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, text in enumerate(["افتتح متحف الرمال في الرياض.", "فاز نادي النخيل بالبطولة."]):
        (corpus / f"{n}.md").write_text(f"---\ntitle: خبر {n}\n---\n{text}\n", encoding="utf-8")
    argv = ["index", "--backend", "opensearch", "--opensearch-url", loopback_opensearch]
    argv += ["--corpus", str(corpus)]
    monkeypatch.setenv("OPENSEARCH_INDEX", alias)
    assert cli.main(argv) == cli.EXIT_OK
    assert "opensearch: rebuilt (no index yet)" in capsys.readouterr().out
    (corpus / "1.md").write_text("---\ntitle: خبر\n---\nخسر نادي النخيل النهائي.\n", "utf-8")
    assert cli.main(argv) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "opensearch: updated" in out and "1 article(s) sent, 0 deleted, 1 unchanged" in out


def test_an_interrupted_update_is_resent_by_the_next_sync(
    client: Any, alias: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_index(client, alias, build(ARTICLES))
    changed = build([_article(1, "تأسست شركة الصقر في مكة عام 1995."), *ARTICLES[1:]])

    def refuse(*_: object) -> None:
        raise BackendUnavailable("error: OpenSearch refused a document: test")

    with monkeypatch.context() as patch:
        patch.setattr(sync, "_bulk", refuse)
        with pytest.raises(BackendUnavailable):
            sync_index(client, alias, changed)
    assert sync_index(client, alias, changed).sent == 1
    assert _top(client, alias, "متى تأسست شركة الصقر؟") == "تأسست شركة الصقر في مكة عام 1995."


def test_ask_before_anything_was_indexed_says_to_run_index_first(
    loopback_opensearch: str, alias: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["ask", "--backend", "opensearch", "--opensearch-url", loopback_opensearch]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENSEARCH_INDEX", alias)
        assert cli.main([*argv, "من هو مؤسس علي بابا؟"]) == cli.EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "python -m retrieval index --backend opensearch" in err


def _copies_corpus() -> list[Article]:
    """A few unrelated articles and four stories, each printed by three papers; ids sort in
    index order, so that ties between equal scores break alike on both backends (a candidate
    corpus orders its articles by id)."""
    from tests.test_bot_copies import PAPERS, STORIES, printed_by

    articles = [
        Article(
            id=f"s{n}{i}-{paper}",
            title=f"خبر {place}",
            text=printed_by(paper, sentence) + " وأكد المسؤولون أهمية المشروع للمنطقة.",
            path=f"{paper}-{n}.txt",
            source=paper,
            date=f"2015-07-2{i}",
        )
        for n, (place, sentence) in enumerate(STORIES.items())
        for i, paper in enumerate(PAPERS)
    ]
    return ARTICLES + articles


def test_the_cluster_gives_the_full_product_answer_copies_follow_ups_and_no_answer(
    client: Any, alias: str
) -> None:
    embedded = Retriever(build(_copies_corpus()))
    sync_index(client, alias, embedded.index)
    cluster = Retriever(OpenSearchBackend(client, alias))
    story = "كم سريرا في مستشفى الملك فهد الجديد في جدة؟"
    found = cluster.respond(story)
    assert answer(found) == answer(embedded.respond(story))
    assert found.hits[0].also, "the other papers' copies are collapsed into `also`"
    previous = PreviousTurn(story, found.hits[0].article.id)
    follow_up = "ومتى افتتح؟"
    carried = cluster.respond(follow_up, follow_up=previous)
    assert carried.hits and carried.hits[0].follow_up_of == story
    assert answer(carried) == answer(embedded.respond(follow_up, follow_up=previous))
    none = "متى ولد الموسيقار بيتهوفن؟"
    assert cluster.respond(none).band is embedded.respond(none).band is confidence.Band.NONE

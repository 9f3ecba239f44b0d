"""LiveRetriever: the corpus folder changes under a running program and questions keep working."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from retrieval import store
from retrieval.live import LiveRetriever, NotLoadedError
from retrieval.store import syncing

FALAFEL = "أعلنت شركة الفلافل الذهبية افتتاح فرعها العشرين في مدينة جدة يوم الخميس."
DATES = "تصدرت مزارع القصيم إنتاج التمور هذا العام بأكثر من مئتي ألف طن."
CAMELS = "شارك ألف وخمسمئة من الهجن في سباق العلا السنوي للإبل الأصيلة."
# BM25 needs a few other documents before a rare term's idf is positive.
FILLER = (
    "ارتفعت أسعار النفط في الأسواق العالمية صباح الاثنين.",
    "افتتح المعرض الدولي للكتاب أبوابه أمام الزوار في العاصمة.",
    "فاز المنتخب الوطني لكرة القدم على ضيفه بهدفين نظيفين.",
    "توقعت الأرصاد هطول أمطار غزيرة على المناطق الجنوبية.",
    "أطلقت وزارة التعليم منصة رقمية جديدة لطلاب المدارس.",
)


def write_txt(path: Path, title: str, body: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(f"{title}\n\n{body}\n".encode(encoding))
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_txt(folder / "dates.txt", "التمور في القصيم", DATES)
    write_txt(folder / "camels.txt", "سباق الهجن", CAMELS)
    for n, text in enumerate(FILLER):
        write_txt(folder / f"filler{n}.txt", f"خبر عام {n}", text)
    return folder


def top_text(live: LiveRetriever, question: str) -> str | None:
    hits = live.current.search(question, top_k=1)
    return hits[0].text if hits else None


def test_current_before_load_raises_a_clear_error(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    with pytest.raises(NotLoadedError, match="load"):
        _ = live.current
    assert live.last_report is None


def test_load_reports_every_file_as_added(corpus: Path) -> None:
    report = LiveRetriever(corpus).load()
    assert report.changed and report.error is None
    assert report.articles == 7 and report.sentences == 7
    assert report.added[:2] == ("camels.txt", "dates.txt") and len(report.added) == 7


def test_load_of_a_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        LiveRetriever(tmp_path / "nowhere").load()


def test_reload_without_changes_keeps_the_same_retriever(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    before = live.current
    first = live.last_report
    report = live.reload()
    assert not report.changed and report.articles == 7
    assert live.current is before
    assert live.last_report is report
    assert live.last_change is first


def test_forced_reload_rebuilds_even_without_changes(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    before = live.current
    assert live.reload(force=True).changed
    assert live.current is not before


def test_added_cp1256_article_becomes_answerable_after_reload(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    assert top_text(live, "كم فرعا افتتحت شركة الفلافل الذهبية؟") is None
    write_txt(corpus / "falafel.txt", "فروع الفلافل", FALAFEL, encoding="cp1256")
    report = live.reload()
    assert report.changed and report.added == ("falafel.txt",)
    assert top_text(live, "كم فرعا افتتحت شركة الفلافل الذهبية؟") == FALAFEL


def test_removed_article_becomes_unfindable(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    assert top_text(live, "سباق الهجن في العلا") == CAMELS
    (corpus / "camels.txt").unlink()
    report = live.reload()
    assert report.removed == ("camels.txt",) and report.articles == 6
    assert top_text(live, "سباق الهجن في العلا") is None


def test_modified_article_is_reread(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    write_txt(corpus / "dates.txt", "التمور في القصيم", FALAFEL)
    stat = (corpus / "dates.txt").stat()
    os.utime(corpus / "dates.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    report = live.reload()
    assert report.modified == ("dates.txt",)
    assert top_text(live, "الفلافل الذهبية") == FALAFEL
    assert top_text(live, "إنتاج التمور في القصيم") is None


def test_broken_new_file_is_skipped_without_disturbing_the_rest(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\n---\nنص", encoding="utf-8")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 8)
    write_txt(corpus / "falafel.txt", "فروع الفلافل", FALAFEL)
    report = live.reload()
    assert report.error is None and report.articles == 8
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.md", "binary.txt"}
    assert "front matter" in reasons["broken.md"]
    assert "binary" in reasons["binary.txt"]
    assert top_text(live, "الفلافل الذهبية") == FALAFEL
    assert top_text(live, "سباق الهجن في العلا") == CAMELS


def test_failed_reload_keeps_serving_the_old_index(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    shutil.rmtree(corpus)
    report = live.reload()
    assert report.error is not None and "not found" in report.error
    assert not report.changed and report.articles == 7
    assert top_text(live, "سباق الهجن في العلا") == CAMELS


def test_questions_during_reloads_keep_being_answered(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    done = threading.Event()
    errors: list[BaseException] = []
    answered = [0, 0]
    started = [threading.Event(), threading.Event()]

    def ask(slot: int) -> None:
        while not done.is_set():
            try:
                assert top_text(live, "إنتاج التمور في القصيم") == DATES
                answered[slot] += 1
                started[slot].set()
                time.sleep(0.001)  # let the reloading thread have the GIL now and then
            except BaseException as exc:
                errors.append(exc)
                started[slot].set()
                return

    askers = [threading.Thread(target=ask, args=(slot,)) for slot in range(2)]
    for thread in askers:
        thread.start()
    try:
        for event in started:
            event.wait()
        for n in range(5):
            write_txt(corpus / f"extra{n}.txt", f"خبر {n}", f"{FALAFEL} رقم {n}.")
            assert live.reload().changed
            (corpus / f"extra{n}.txt").unlink()
            assert live.reload(force=n % 2 == 0).removed == (f"extra{n}.txt",)
        write_txt(corpus / "falafel.txt", "فروع الفلافل", FALAFEL)
        live.reload()
    finally:
        done.set()
        for thread in askers:
            thread.join()
    assert errors == []
    assert all(count > 0 for count in answered)
    assert top_text(live, "الفلافل الذهبية") == FALAFEL


def test_concurrent_reloads_run_one_at_a_time(corpus: Path) -> None:
    live = LiveRetriever(corpus)
    live.load()
    write_txt(corpus / "falafel.txt", "فروع الفلافل", FALAFEL)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(live.reload())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.changed for r in reports) == 1
    assert all(r.articles == 8 and r.error is None for r in reports)


def test_skipped_files_are_named_in_the_log_on_a_start_from_the_persisted_index(
    corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (corpus / "broken.md").write_text("---\ntitle: [\n---\nنص", encoding="utf-8")
    LiveRetriever(corpus).load()  # reads every file and persists the index
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        report = LiveRetriever(corpus).load()
    assert [s.path for s in report.skipped] == ["broken.md"]
    assert [r.getMessage() for r in caplog.records if "broken.md" in r.getMessage()] == [
        f"skipped broken.md: {report.skipped[0].reason}"
    ]


def test_failed_reload_is_one_warning_line_without_traceback(
    corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveRetriever(corpus)
    live.load()
    shutil.rmtree(corpus)
    with caplog.at_level(logging.WARNING, logger="retrieval.live"):
        live.reload()
    [record] = caplog.records
    assert "still serving the previous index" in record.getMessage()
    assert record.exc_info is None


def test_reload_starts_from_the_index_in_memory_not_the_saved_one(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = LiveRetriever(corpus)
    live.load()
    monkeypatch.setattr(syncing, "load_data", lambda *a: pytest.fail("re-read the saved index"))
    write_txt(corpus / "falafel.txt", "فروع الفلافل", FALAFEL)
    report = live.reload()
    assert report.error is None and report.added == ("falafel.txt",)
    assert top_text(live, "الفلافل الذهبية") == FALAFEL


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), ValueError("bug")])
def test_the_new_index_serves_even_when_saving_it_fails(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    live = LiveRetriever(corpus)
    live.load()
    served_at_save: list[str | None] = []

    def failing_save(*args: object, **kwargs: object) -> None:
        served_at_save.append(top_text(live, "الفلافل الذهبية"))  # already swapped in
        raise failure

    monkeypatch.setattr(syncing, "save", failing_save)
    write_txt(corpus / "falafel.txt", "فروع الفلافل", FALAFEL)
    report = live.reload()
    assert served_at_save == [FALAFEL]
    assert report.error is None and report.changed and report.articles == 8
    assert top_text(live, "الفلافل الذهبية") == FALAFEL
    monkeypatch.undo()
    (corpus / "camels.txt").unlink()  # the next change saves, with everything up to it
    live.reload()
    opened = store.open_index(corpus)
    assert opened.outcome == "loaded" and len(opened.index.articles) == 7
    assert "falafel.txt" in {a.path for a in opened.index.articles}

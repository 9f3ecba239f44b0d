"""The one scan and diff of a corpus folder: what counts as an article file, and a file whose
bytes did not change is never modified, for the store and for live reload alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval import store
from retrieval.live import LiveRetriever
from retrieval.store import build, scan_corpus

TEXT = "أخبار\n\nعنوان الخبر\n\nافتتحت الوزارة مستشفى جديدا في جدة يوم الخميس.\n"


def touch_later(path: Path, seconds: int = 5) -> None:
    """Move a file's mtime forward without changing its bytes (what `touch` does)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "news" / "deep").mkdir(parents=True)
    for name in ("a.txt", "news/b.md", "news/deep/c.TXT", "news/d.jsonl", "e.json"):
        (folder / name).write_text(TEXT, encoding="utf-8")
    for name in ("README.md", ".hidden.txt", "_draft.txt", "notes.pdf", "news/readme.txt"):
        (folder / name).write_text(TEXT, encoding="utf-8")
    (folder / ".index").mkdir()
    (folder / ".index" / "x.txt").write_text(TEXT, encoding="utf-8")
    (folder / "_private").mkdir()
    (folder / "_private" / "f.txt").write_text(TEXT, encoding="utf-8")
    return folder


def test_scan_lists_article_files_by_sorted_relative_path(corpus: Path) -> None:
    found = scan_corpus(corpus, corpus / ".index")
    assert list(found) == ["a.txt", "e.json", "news/b.md", "news/d.jsonl", "news/deep/c.TXT"]
    assert found["a.txt"].size == len(TEXT.encode())


def test_scan_skips_a_visible_index_folder_inside_the_corpus(corpus: Path) -> None:
    (corpus / "visible-index").mkdir()
    (corpus / "visible-index" / "y.txt").write_text(TEXT, encoding="utf-8")
    assert "visible-index/y.txt" in scan_corpus(corpus)
    assert "visible-index/y.txt" not in scan_corpus(corpus, corpus / "visible-index")


def test_scan_follows_links_to_files_but_not_to_folders(corpus: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "z.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "linked.txt").symlink_to(outside / "z.txt")
    (corpus / "linked-dir").symlink_to(outside, target_is_directory=True)
    found = scan_corpus(corpus)
    assert "linked.txt" in found and not any(p.startswith("linked-dir") for p in found)


def test_diff_hashes_a_touched_file_and_keeps_it_unchanged(corpus: Path) -> None:
    opened = store.open_index(corpus)
    touch_later(corpus / "a.txt")
    (corpus / "news" / "b.md").write_text(TEXT.replace("جدة", "مكة"), encoding="utf-8")
    records = {r.path: r for r in opened.files}
    changes = store.diff(corpus, scan_corpus(corpus), records)
    assert changes.modified == ("news/b.md",) and not changes.added and not changes.removed
    assert changes.unchanged["a.txt"].mtime_ns == (corpus / "a.txt").stat().st_mtime_ns


def test_a_touch_is_no_change_for_live_reload_and_is_not_reanalyzed(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = LiveRetriever(corpus)
    live.load()
    before = live.current
    touch_later(corpus / "news" / "deep" / "c.TXT")
    monkeypatch.setattr(build, "read_and_analyze", lambda c, p: pytest.fail(f"re-read {p}"))
    report = live.reload()
    assert not report.changed and report.modified == ()
    assert live.current is before
    # the new times were saved, so the next start need not hash the file again
    saved = store.open_index(corpus)
    assert saved.outcome is store.Outcome.LOADED and saved.saved
    record = next(r for r in saved.files if r.path == "news/deep/c.TXT")
    assert record.mtime_ns == (corpus / "news" / "deep" / "c.TXT").stat().st_mtime_ns


def test_an_index_of_a_corpus_without_articles_loads_without_a_rebuild(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "broken.json").write_text("[{", encoding="utf-8")
    assert store.open_index(folder).outcome is store.Outcome.REBUILT
    again = store.open_index(folder)
    assert again.outcome is store.Outcome.LOADED and len(again.index.articles) == 0

"""The persisted index: save → load gives the same answers, updates equal full rebuilds,
damaged or foreign indexes are rebuilt with one warning, and failed writes lose nothing."""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrieval import analyzer, store
from retrieval.corpus import CorpusContents, SkippedFile
from retrieval.search import Retriever
from retrieval.store import DEFAULT_INDEX_DIRNAME, build, data, open_index, scan, syncing
from tests.conftest import CORPUS_DIR
from tests.test_index_build import assert_same_index

WORDS = (
    "الرياض جدة مكة وزارة الصحة التعليم مشروع مستشفى طريق مدرسة الملك الأمير افتتح أعلن "
    "مليون ريال عام الطلاب المرضى الحجاج الموسم المطر السيول الدفاع المدني المنتخب الهلال"
).split()
QUESTIONS = ["متى افتتح مستشفى جدة؟", "كم مليون ريال للمشروع", "الهلال المنتخب", "السيول"]


def write_article(folder: Path, name: str, seed: int) -> None:
    """Write a small seed-layout article whose words depend on `seed`."""
    rng = random.Random(seed)
    lines = [" ".join(rng.choices(WORDS, k=rng.randint(4, 12))) + "." for _ in range(6)]
    body = "\n".join(" ".join(lines[i : i + 2]) for i in range(0, 6, 2))
    (folder / name).write_text(f"محليات\n\nخبر {seed}\n\n{body}\n", encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Return a corpus folder with the seed article, eight generated ones and a bad file."""
    folder = tmp_path / "corpus"
    (folder / "news").mkdir(parents=True)
    shutil.copy(next(CORPUS_DIR.glob("*.txt")), folder / "seed.txt")
    for n in range(8):
        write_article(folder / "news", f"{n:02d}.txt", n)
    (folder / "broken.json").write_text("[{", encoding="utf-8")
    return folder


def answers(retriever: Retriever) -> list[list[tuple[str, str, float]]]:
    """Return the hits of QUESTIONS as comparable tuples."""
    return [
        [(h.article.id, h.text, round(h.score, 9)) for h in retriever.search(q, top_k=5)]
        for q in QUESTIONS
    ]


def full_rebuild(corpus: Path, tmp_path: Path) -> store.SyncResult:
    return open_index(corpus, tmp_path / "fresh-index")


def test_second_open_loads_the_saved_index_with_identical_answers(corpus: Path) -> None:
    first = open_index(corpus)
    assert first.outcome == "rebuilt" and first.reason == "no index yet"
    assert (corpus / DEFAULT_INDEX_DIRNAME / "manifest.json").is_file()
    second = open_index(corpus)
    assert second.outcome is store.Outcome.LOADED and second.saved
    assert (second.added, second.modified, second.removed) == ((), (), ())
    assert_same_index(second.index, first.index)
    assert [a.text for a in second.index.articles] == [a.text for a in first.index.articles]
    assert second.index.articles == first.index.articles
    assert answers(Retriever(second.index)) == answers(Retriever(first.index))
    assert any(answers(Retriever(second.index)))
    assert second.skipped == first.skipped
    assert [s.path for s in second.skipped] == ["broken.json"]


def test_update_rereads_only_changed_files_and_equals_a_full_rebuild(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_index(corpus)
    write_article(corpus / "news", "08.txt", 108)  # added
    write_article(corpus / "news", "03.txt", 103)  # modified
    (corpus / "news" / "05.txt").unlink()  # removed
    read: list[str] = []
    real = build.read_and_analyze
    monkeypatch.setattr(build, "read_and_analyze", lambda c, p: read.append(p) or real(c, p))

    updated = open_index(corpus)

    assert updated.outcome == "updated"
    assert updated.added == ("news/08.txt",)
    assert updated.modified == ("news/03.txt",)
    assert updated.removed == ("news/05.txt",)
    assert sorted(read) == ["news/03.txt", "news/08.txt"]
    rebuilt = full_rebuild(corpus, tmp_path)
    assert rebuilt.outcome == "rebuilt"
    assert_same_index(updated.index, rebuilt.index)
    assert answers(Retriever(updated.index)) == answers(Retriever(rebuilt.index))
    reloaded = open_index(corpus)
    assert reloaded.outcome == "loaded"
    assert_same_index(reloaded.index, rebuilt.index)


def test_a_touched_but_unchanged_file_is_not_reanalyzed(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_index(corpus)
    path = corpus / "news" / "02.txt"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    monkeypatch.setattr(build, "read_and_analyze", lambda c, p: pytest.fail(f"re-read {p}"))
    opened = open_index(corpus)
    assert opened.outcome == "loaded"
    manifest = json.loads((corpus / DEFAULT_INDEX_DIRNAME / "manifest.json").read_text())
    record = next(f for f in manifest["files"] if f["path"] == "news/02.txt")
    assert record["mtime_ns"] == path.stat().st_mtime_ns


def test_files_in_parallel_workers_give_the_same_index(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sequential = open_index(corpus, tmp_path / "one")
    monkeypatch.setattr(build, "PARALLEL_MIN_BYTES", 0)
    parallel = open_index(corpus, tmp_path / "two", workers=2)
    assert_same_index(parallel.index, sequential.index)
    assert parallel.skipped == sequential.skipped


def damage_truncate(data: Path) -> None:
    path = data / "sentences.data.npy"
    path.write_bytes(path.read_bytes()[:-9])


def damage_flip_a_byte(data: Path) -> None:
    path = data / "articles.json"
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))


def damage_remove_a_file(data: Path) -> None:
    (data / "vocabulary.json").unlink()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (damage_truncate, "index corrupt: sentences.data.npy is truncated or resized"),
        (damage_flip_a_byte, "index corrupt: articles.json fails its checksum"),
        (damage_remove_a_file, "index corrupt: vocabulary.json is missing"),
    ],
)
def test_damaged_data_is_rebuilt_with_one_warning(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage, reason: str
) -> None:
    open_index(corpus)
    index_dir = corpus / DEFAULT_INDEX_DIRNAME
    damage(next(index_dir.glob("data-*")))
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        opened = open_index(corpus)
    assert opened.outcome == "rebuilt" and opened.reason == reason
    index_warnings = [r for r in caplog.records if "rebuilding" in r.getMessage()]
    assert len(index_warnings) == 1 and reason in index_warnings[0].getMessage()
    assert_same_index(opened.index, full_rebuild(corpus, tmp_path).index)
    assert open_index(corpus).outcome == "loaded"


@pytest.mark.parametrize(
    ("manifest", "reason_start"),
    [
        (b'{"format": "arabic-qa-bm25-ind', "index corrupt: manifest.json unreadable"),
        (b"\xff\xfe\x00garbage", "index corrupt: manifest.json unreadable"),
        (b'{"format": "elasticsearch", "version": 7}', "foreign index"),
        (b"[1, 2, 3]", "foreign index"),
    ],
)
def test_a_corrupt_or_foreign_manifest_is_rebuilt_with_one_warning(
    corpus: Path, caplog: pytest.LogCaptureFixture, manifest: bytes, reason_start: str
) -> None:
    open_index(corpus)
    (corpus / DEFAULT_INDEX_DIRNAME / "manifest.json").write_bytes(manifest)
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        opened = open_index(corpus)
    assert opened.outcome == "rebuilt"
    assert opened.reason is not None and opened.reason.startswith(reason_start)
    assert len([r for r in caplog.records if "rebuilding" in r.getMessage()]) == 1
    assert answers(Retriever(opened.index)) == answers(Retriever(open_index(corpus).index))


def test_a_manifest_with_a_bad_checksum_table_is_rebuilt(corpus: Path) -> None:
    open_index(corpus)
    path = corpus / DEFAULT_INDEX_DIRNAME / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["checksums"] = ["not", "a", "table"]
    path.write_text(json.dumps(manifest))
    opened = open_index(corpus)
    assert opened.outcome == "rebuilt"
    assert opened.reason is not None and opened.reason.startswith("index corrupt")


def test_an_analyzer_change_rebuilds_everything(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_index(corpus)
    monkeypatch.setattr(analyzer, "ANALYZER_VERSION", analyzer.ANALYZER_VERSION + "-next")
    opened = open_index(corpus)
    assert opened.outcome == "rebuilt"
    assert opened.reason is not None
    assert opened.reason.startswith("analyzer version changed")
    assert open_index(corpus).outcome == "loaded"


def test_a_failed_save_serves_from_memory_and_keeps_the_old_index_usable(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = open_index(corpus)
    index_dir = corpus / DEFAULT_INDEX_DIRNAME
    old_contents = sorted(p.name for p in index_dir.iterdir())
    write_article(corpus / "news", "09.txt", 109)
    saved: list[object] = []

    def save_then_fail(file: object, array: np.ndarray, allow_pickle: bool) -> None:
        if len(saved) == 3:
            raise OSError(28, "No space left on device")
        saved.append(file)
        np.lib.format.write_array(file, array, allow_pickle=allow_pickle)

    monkeypatch.setattr(data.np, "save", save_then_fail)
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        during = open_index(corpus)
    monkeypatch.undo()

    assert during.outcome == "updated" and len(during.index.articles) == 10
    assert any("No space left on device" in r.getMessage() for r in caplog.records)
    assert sorted(p.name for p in index_dir.iterdir()) == old_contents  # no half-written data
    (corpus / "news" / "09.txt").unlink()
    after = open_index(corpus)
    assert after.outcome == "loaded"
    assert_same_index(after.index, before.index)


def test_an_unwritable_index_folder_serves_from_memory_with_a_warning(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        opened = open_index(corpus, blocker / "index")
    assert opened.outcome == "rebuilt" and len(opened.index.articles) == 9
    assert len([r for r in caplog.records if "cannot save the index" in r.getMessage()]) == 1


def test_an_index_folder_inside_the_corpus_is_not_read_as_articles(corpus: Path) -> None:
    index_dir = corpus / "visible-index"
    first = open_index(corpus, index_dir)
    second = open_index(corpus, index_dir)
    assert second.outcome == "loaded"
    assert len(second.index.articles) == len(first.index.articles) == 9


def test_a_missing_corpus_folder_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_index(tmp_path / "nowhere")


def test_when_worker_processes_fail_files_are_analyzed_in_process(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = open_index(corpus, tmp_path / "one")

    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(build, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(build, "ProcessPoolExecutor", no_processes)
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        opened = open_index(corpus, tmp_path / "two", workers=2)
    assert_same_index(opened.index, expected.index)
    assert any("worker processes failed" in r.getMessage() for r in caplog.records)


def test_an_update_from_the_index_in_memory_reads_no_saved_data_and_equals_a_rebuild(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_index(corpus)
    write_article(corpus / "news", "08.txt", 108)
    write_article(corpus / "news", "03.txt", 103)
    (corpus / "news" / "05.txt").unlink()
    monkeypatch.setattr(syncing, "load_data", lambda *a: pytest.fail("re-read the saved index"))
    updated = store.sync(corpus, previous=first)
    assert updated.outcome is store.Outcome.UPDATED and not updated.saved
    assert (updated.added, updated.modified, updated.removed) == (
        ("news/08.txt",),
        ("news/03.txt",),
        ("news/05.txt",),
    )
    assert_same_index(updated.index, full_rebuild(corpus, tmp_path).index)
    monkeypatch.undo()
    assert open_index(corpus).outcome == "updated"  # nothing was saved by update_index
    saved = store.persist(corpus / DEFAULT_INDEX_DIRNAME, updated)
    assert saved.saved
    assert open_index(corpus).outcome == "loaded"
    assert store.sync(corpus, previous=saved).saved  # nothing changed: nothing to save


def test_a_file_skipped_as_unreadable_is_read_again_after_a_permission_fix(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = corpus / "news" / "04.txt"
    real_read, real_digest = build.read_file, scan.file_sha256

    def denied_read(file: Path, corpus_dir: Path) -> CorpusContents:
        if file == path:
            return CorpusContents(skipped=[SkippedFile("news/04.txt", "denied")])
        return real_read(file, corpus_dir)

    monkeypatch.setattr(build, "read_file", denied_read)
    monkeypatch.setattr(build, "file_sha256", lambda p: "" if p == path else real_digest(p))
    monkeypatch.setattr(scan, "file_sha256", lambda p: "" if p == path else real_digest(p))
    first = store.sync(corpus)
    assert ("news/04.txt", "denied") in [(s.path, s.reason) for s in first.skipped]
    monkeypatch.undo()
    assert store.sync(corpus, previous=first).outcome == "loaded"  # nothing changed
    os.chmod(path, 0o644)  # same size and mtime; only the ctime moves
    fixed = store.sync(corpus, previous=first)
    assert fixed.modified == ("news/04.txt",)
    assert "news/04.txt" not in [s.path for s in fixed.skipped]
    assert len(fixed.index.articles) == len(first.index.articles) + 1


def test_an_index_of_the_previous_format_is_rebuilt_with_its_reason(corpus: Path) -> None:
    open_index(corpus)
    path = corpus / DEFAULT_INDEX_DIRNAME / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 2
    for record in manifest["files"]:
        del record["ctime_ns"]
    path.write_text(json.dumps(manifest))
    opened = open_index(corpus)
    assert opened.outcome == "rebuilt"
    assert opened.reason == f"format version changed (2 → {store.FORMAT_VERSION})"


UNGUARDED_SCRIPT = """
import sys
from pathlib import Path
from retrieval import store
from retrieval.store import build
build.PARALLEL_MIN_BYTES = 0
print("top-level code ran", flush=True)
opened = store.open_index(Path(sys.argv[1]), workers=2)
print("index built:", len(opened.index.articles), flush=True)
"""


def test_a_script_without_the_main_guard_asking_for_workers_builds_the_index_once(
    corpus: Path, tmp_path: Path
) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED_SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(store.__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, str(script), str(corpus)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("index built: 9") == 1  # the workers did not build it again
    assert done.stdout.count("top-level code ran") >= 2  # ...although they ran the script
    assert 'if __name__ == "__main__"' in done.stderr
    assert open_index(corpus).outcome == "loaded"


def test_a_flipped_byte_in_an_array_is_caught_by_verify(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    open_index(corpus)
    data_dir = next((corpus / DEFAULT_INDEX_DIRNAME).glob("data-*"))
    for name in ("texts.bin", "sentences.data.npy"):
        path = data_dir / name
        content = bytearray(path.read_bytes())
        content[-3] ^= 0x01  # same size: a load checks sizes, verify checks every checksum
        path.write_bytes(bytes(content))
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        opened = open_index(corpus, verify=True)
    assert opened.outcome == "rebuilt"
    assert opened.reason is not None and opened.reason.endswith("fails its checksum")
    assert_same_index(opened.index, full_rebuild(corpus, tmp_path).index)
    assert open_index(corpus, verify=True).outcome == "loaded"


def test_a_caller_supplied_executor_analyzes_the_files_and_is_left_open(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    expected = open_index(corpus, tmp_path / "one")
    monkeypatch.setattr(build, "PARALLEL_MIN_BYTES", 0)
    submitted: list[str] = []
    with ThreadPoolExecutor(2) as pool:
        real_submit = pool.submit
        monkeypatch.setattr(
            pool, "submit", lambda f, c, p: submitted.append(p) or real_submit(f, c, p)
        )
        synced = store.sync(corpus, tmp_path / "two", executor=pool)
        assert real_submit(len, "still open").result() == 10  # not shut down by sync
    assert sorted(submitted) == sorted(r.path for r in expected.files)
    assert_same_index(synced.index, expected.index)


def test_a_plain_library_call_never_starts_worker_processes(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(build, "ProcessPoolExecutor", lambda *a, **k: pytest.fail("spawned"))
    assert len(open_index(corpus, tmp_path / "index").index.articles) == 9

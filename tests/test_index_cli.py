"""`python -m retrieval index` builds and reports the persisted index; `ask` starts from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from retrieval import store
from retrieval.cli import main
from retrieval.store import build
from tests.conftest import CORPUS_DIR


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(next(CORPUS_DIR.glob("*.txt")), folder / "seed.txt")
    return folder


def test_index_reports_rebuilt_then_loaded_then_updated(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "elsewhere"
    command = ["index", "--corpus", str(corpus), "--index-dir", str(index_dir)]
    assert main(command) == 0
    assert "index:      rebuilt (no index yet); files 1 added" in capsys.readouterr().out
    assert (index_dir / "manifest.json").is_file()
    assert not (corpus / store.DEFAULT_INDEX_DIRNAME).exists()

    assert main(command) == 0
    assert "index:      loaded\n" in capsys.readouterr().out

    (corpus / "more.txt").write_text("اقتصاد\n\nخبر\n\nارتفع سعر النفط اليوم.\n", encoding="utf-8")
    assert main([*command, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["index"] == {
        "outcome": "updated",
        "reason": None,
        "added": ["more.txt"],
        "modified": [],
        "removed": [],
    }
    assert record["articles"] == 2


def test_ask_answers_from_the_persisted_index_without_rereading_files(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["index", "--corpus", str(corpus)]) == 0
    capsys.readouterr()
    monkeypatch.setattr(build, "read_and_analyze", lambda c, p: pytest.fail(f"re-read {p}"))
    assert main(["ask", "--corpus", str(corpus), "--json", "من هو مؤسس علي بابا؟"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and "جاك ما" in hits[0]["text"]

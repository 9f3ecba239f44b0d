"""The offline CLI: the JSON contract of design.md, human output, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.cli import main
from tests.conftest import CORPUS_DIR, REPO

CONTRACT_ARTICLE_KEYS = {"id", "title", "path", "source", "url", "date", "category", "author"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "ask", "--corpus", str(CORPUS_DIR), "--top-k", "2", "--json", "من هو مؤسس علي بابا؟"
    )
    assert code == 0
    record = json.loads(out)
    assert record["question"] == "من هو مؤسس علي بابا؟"
    assert 1 <= len(record["hits"]) <= 2
    hit = record["hits"][0]
    assert isinstance(hit["text"], str) and isinstance(hit["score"], float)
    assert isinstance(hit["start"], int) and isinstance(hit["end"], int)
    assert set(hit["article"]) == CONTRACT_ARTICLE_KEYS
    assert "جاك ما" in hit["text"]
    assert hit["article"]["category"] == "الأمن الإلكتروني"


def test_ask_prints_sentence_then_title(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--corpus", str(CORPUS_DIR), "من هو مؤسس علي بابا؟")
    assert code == 0
    lines = out.splitlines()
    assert "جاك ما المؤسس" in lines[0]
    assert "الرئيس الصيني يقدم وعوداً" in lines[1]


def test_batch_prints_one_json_line_per_question_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = ["من هو مؤسس علي بابا؟", "سؤال لا جواب له xyzzy", "", "الأمن الرقمي"]
    batch = tmp_path / "q.txt"
    batch.write_text("\n".join(questions) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "ask", "--corpus", str(CORPUS_DIR), "--json", "--batch", str(batch))
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["question"] for r in records] == questions
    assert records[1]["hits"] == [] and records[2]["hits"] == []
    assert records[0]["hits"] and records[3]["hits"]


def test_index_reports_articles_sentences_and_vocabulary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "index", "--corpus", str(CORPUS_DIR))
    assert code == 0
    assert "articles:" in out and "sentences:" in out and "vocabulary:" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "--corpus", "/nonexistent/corpus", "سؤال"], "corpus folder not found"),
        (["ask", "--corpus", str(CORPUS_DIR), "   "], "question is empty"),
        (["ask", "--corpus", str(CORPUS_DIR), "--batch", "/nonexistent/q.txt"], "batch file"),
        (["index", "--corpus", "/nonexistent/corpus"], "corpus folder not found"),
    ],
)
def test_errors_are_one_line_on_stderr_with_nonzero_exit(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_empty_corpus_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.txt").write_bytes(b"")
    code, _, err = run(capsys, "ask", "--corpus", str(tmp_path), "سؤال")
    assert code != 0
    assert "no articles" in err


def test_module_entry_point_answers_offline() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", "--corpus", str(CORPUS_DIR), "--json", "جاك ما"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"]


BATCH_WITH_ODD_SEPARATORS = [
    "من هو مؤسس علي بابا؟",
    "سطر فيه\u2028فاصل يونيكود",
    "سطر فيه\x0cفاصل صفحة\x0bو\x1cو\x1dو\x1e",
    "",
    "سطر فيه\x85NEL",
    "   ",
    "الأمن الرقمي",
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_batch_splits_on_newline_only_and_answers_every_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], newline: str
) -> None:
    batch = tmp_path / "q.txt"
    batch.write_bytes(newline.join(BATCH_WITH_ODD_SEPARATORS).encode("utf-8"))
    code, out, _ = run(capsys, "ask", "--corpus", str(CORPUS_DIR), "--json", "--batch", str(batch))
    assert code == 0
    lines = out.splitlines()  # raw separators are escaped, so even splitlines lines up
    assert len(lines) == len(out.split("\n")) - 1 == len(BATCH_WITH_ODD_SEPARATORS)
    records = [json.loads(line) for line in lines]
    assert [r["question"] for r in records] == BATCH_WITH_ODD_SEPARATORS
    for record in records:
        if not record["question"].strip():
            assert record["hits"] == [] and record["reason"] == "empty question"
        else:
            assert "reason" not in record
    assert records[0]["hits"] and records[-1]["hits"]


def test_batch_from_stdin_keeps_empty_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", "--json", "--batch", "-"],
        input="الأمن الرقمي\n\nسطر\u2028آخر\n".encode(),
        capture_output=True,
        cwd=REPO,  # the default --corpus is ./corpus
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    questions = [json.loads(line)["question"] for line in done.stdout.decode().split("\n")[:-1]]
    assert questions == ["الأمن الرقمي", "", "سطر\u2028آخر"]

"""The confidence in the CLI: `ask --json` carries it, its thresholds are options, `eval`
reports the answer bands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.cli import main
from tests.conftest import CORPUS_DIR

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mini_squad_ar.json"
QUESTION = "ماذا قال جاك ما عن الأمن الرقمي؟"


def ask_json(capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, object]:
    code = main(["ask", "--corpus", str(CORPUS_DIR), "--json", *options, QUESTION])
    out, _ = capsys.readouterr()
    assert code == 0
    record: dict[str, object] = json.loads(out)
    return record


def test_ask_json_gains_the_answer_band_and_a_confidence_per_hit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = ask_json(capsys)
    assert record["answer"] == "confident"
    hits = record["hits"]
    assert isinstance(hits, list) and hits
    assert all(0.0 <= h["confidence"] <= 1.0 for h in hits)
    assert set(record) == {"question", "hits", "answer"}


def test_threshold_options_choose_the_band(capsys: pytest.CaptureFixture[str]) -> None:
    uncertain = ask_json(capsys, "--confident-threshold", "1", "--uncertain-threshold", "0")
    assert uncertain["answer"] == "uncertain" and uncertain["hits"]
    none = ask_json(capsys, "--confident-threshold", "1", "--uncertain-threshold", "1")
    assert none["answer"] == "none" and none["hits"] == []


def test_the_uncertain_band_is_said_in_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "--corpus", str(CORPUS_DIR), "--confident-threshold", "1", QUESTION])
    out, _ = capsys.readouterr()
    assert code == 0 and out.startswith("No sure answer") and "جاك ما" in out


def test_thresholds_out_of_order_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "--corpus", str(CORPUS_DIR), "--uncertain-threshold", "0.9", QUESTION])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "threshold" in err


def test_eval_reports_each_band(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--squad", str(FIXTURE), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    shares = [figures[band] for band in ("confident", "uncertain", "none")]
    assert all(0 <= s <= 1 for s in shares) and sum(shares) == pytest.approx(1.0)
    assert 0 <= figures["hits_kept_confident"] <= 1

"""retrieval/feedback.py: the SQLite schema, ratings once per user, retention, export to the
JSONL that `eval --questions` reads, and the bot's FEEDBACK settings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from retrieval.cli import main
from retrieval.feedback import (
    DAY,
    AskedQuestion,
    FeedbackStore,
    RateOutcome,
    Rating,
    export_for_eval,
)
from tests.bot_harness import ManualClock
from tests.fake_botapi import TEST_TOKEN

REPO = Path(__file__).resolve().parent.parent


def store_at(tmp_path: Path, clock: ManualClock, retention_days: int = 90) -> FeedbackStore:
    return FeedbackStore(tmp_path / "feedback.sqlite3", retention_days, clock)


def ask(store: FeedbackStore, question: str, user: int, answered: bool = True) -> int:
    ids = ("seed@10",) if answered else ()
    asked = AskedQuestion("private", store.user_hash(user), question, ids, 2.5, None)
    return store.record_question(asked)


def test_the_database_is_one_file_in_wal_mode_with_a_random_salt(tmp_path: Path) -> None:
    first = store_at(tmp_path, ManualClock())
    hashed = first.user_hash(1001)
    first.close()
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert store_at(tmp_path, ManualClock()).user_hash(1001) == hashed  # salt kept in the db
    other = FeedbackStore(tmp_path / "other.sqlite3")
    assert other.user_hash(1001) != hashed and "1001" not in hashed


def test_a_rating_is_stored_once_per_user_and_question(tmp_path: Path) -> None:
    store = store_at(tmp_path, ManualClock())
    question = ask(store, "سؤال", user=1)
    assert store.rate(question, 1, Rating.UP) is RateOutcome.STORED
    assert store.rate(question, 1, Rating.UP) is RateOutcome.UNCHANGED
    assert store.rate(question, 2, Rating.UP) is RateOutcome.STORED  # another group member
    assert store.rate(question, 1, Rating.DOWN) is RateOutcome.CHANGED
    assert store.rate(question + 100, 1, Rating.UP) is RateOutcome.UNKNOWN_QUESTION
    stats = store.stats()
    assert (stats.thumbs_up, stats.thumbs_down) == (1, 1)


def test_rows_older_than_the_retention_are_purged(tmp_path: Path) -> None:
    clock = ManualClock(start=1_700_000_000)
    store = store_at(tmp_path, clock, retention_days=30)
    old = ask(store, "قديم", user=1)
    store.rate(old, 1, Rating.DOWN)
    clock.now += 31 * DAY
    ask(store, "جديد", user=1)  # recording purges (at most hourly)
    assert [row.question for row in store.export_rows()] == []
    assert store.stats(days=365).questions == 1
    assert store.rate(old, 1, Rating.UP) is RateOutcome.UNKNOWN_QUESTION


def test_export_writes_unanswered_and_thumbs_down_questions_for_eval(tmp_path: Path) -> None:
    clock = ManualClock(start=1_700_000_000)
    store = store_at(tmp_path, clock)
    liked = ask(store, "ماذا قال جاك ما عن الأمن الرقمي؟", user=1)
    disliked = ask(store, "أين أقيمت مأدبة العشاء؟", user=2)
    store.rate(liked, 1, Rating.UP)
    store.rate(disliked, 2, Rating.DOWN)
    for user in (3, 4):
        ask(store, "من التقى الرئيس الصيني في سياتل؟", user=user, answered=False)
    store.close()
    out = tmp_path / "review.jsonl"
    assert export_for_eval(tmp_path / "feedback.sqlite3", out) == 2
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["question"], r["reason"], r["times"]) for r in records] == [
        ("من التقى الرئيس الصيني في سياتل؟", "unanswered", 2),
        ("أين أقيمت مأدبة العشاء؟", "thumbs_down", 1),
    ]
    assert records[1]["returned"] == ["seed@10"] and records[0]["answers"] == []


def test_the_export_command_then_eval_reads_the_file_once_answers_are_filled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = store_at(tmp_path, ManualClock())
    ask(store, "من التقى الرئيس الصيني في سياتل؟", user=3, answered=False)
    ask(store, "ما عاصمة المريخ؟", user=4, answered=False)
    store.close()
    out = tmp_path / "review.jsonl"
    db = tmp_path / "feedback.sqlite3"
    assert main(["feedback", "export", "--db", str(db), "--out", str(out)]) == 0
    assert "wrote 2 question(s)" in capsys.readouterr().out
    # a person fills in the answer of the first question and leaves the second empty
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    records[0]["answers"] = ["جاك ما"]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    corpus = REPO / "corpus"
    assert main(["eval", "--questions", str(out), "--corpus", str(corpus), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["questions"] == 1 and figures["hit_at_10"] == 1.0


def test_the_export_command_reports_a_missing_database_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["feedback", "export", "--db", str(tmp_path / "no.db"), "--out", "x.jsonl"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: cannot export feedback") and err.count("\n") == 1


def test_feedback_settings_default_beside_the_state_file_and_can_be_switched_off() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "CORPUS_DIR": "news"}
    settings = Settings.from_env(env)
    assert settings.feedback_db == Path("news/.bot-feedback.sqlite3")
    assert settings.feedback_retention_days == 90
    env |= {"STATE_FILE": "/var/lib/bot/state.json", "FEEDBACK_RETENTION_DAYS": "30"}
    settings = Settings.from_env(env)
    assert settings.feedback_db == Path("/var/lib/bot/.bot-feedback.sqlite3")
    assert settings.feedback_retention_days == 30
    assert Settings.from_env(env | {"FEEDBACK_DB": "/data/fb.db"}).feedback_db == Path(
        "/data/fb.db"
    )
    assert Settings.from_env(env | {"FEEDBACK": "off"}).feedback_db is None
    with pytest.raises(ConfigError, match="FEEDBACK must be on or off"):
        Settings.from_env(env | {"FEEDBACK": "maybe"})

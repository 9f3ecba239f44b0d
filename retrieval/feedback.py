"""What users asked and how they rated the answers, in one SQLite file (stdlib `sqlite3`).

The bot records every question it answers in a chat (time, chat type, a salted hash of the
user id, the question, the returned sentence ids, the top score, a nullable confidence) and
every 👍/👎 press, at most one rating per user and question. Admins read the last days'
figures with /stats; `python -m retrieval feedback export` turns the 👎-rated and unanswered
questions into a JSONL file that `python -m retrieval eval --questions` reads once a person
has filled in the answers. This module is the schema's one home, shared by the bot and the
CLI; it is pure and synchronous (the bot calls it through `asyncio.to_thread`).

The raw user id is never stored: `user_hash` is SHA-256 of a random salt kept in the
database plus the id, enough to count one rating per user, not to name anyone.
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
DEFAULT_RETENTION_DAYS = 90
DAY = 24 * 60 * 60
# A locked database is waited for this long, then the write is given up (the bot answers).
BUSY_TIMEOUT = 1.0
# Purging old rows runs at most this often while recording.
_PURGE_EVERY = 60 * 60

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: old buttons must not rate new rows
    asked_at REAL NOT NULL,
    chat_type TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    question TEXT NOT NULL,
    sentence_ids TEXT NOT NULL,
    answered INTEGER NOT NULL,
    top_score REAL,
    confidence REAL
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
CREATE TABLE IF NOT EXISTS ratings (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_hash TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    rated_at REAL NOT NULL,
    PRIMARY KEY (question_id, user_hash)
);
CREATE INDEX IF NOT EXISTS ratings_rated_at ON ratings (rated_at);
"""


class Rating(enum.IntEnum):
    """A press of 👍 (UP) or 👎 (DOWN)."""

    UP = 1
    DOWN = -1


class RateOutcome(enum.Enum):
    """What a press did: stored, changed an earlier rating, repeated it, or found no question
    (purged by the retention setting)."""

    STORED = "stored"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    UNKNOWN_QUESTION = "unknown_question"


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """One question the bot answered, as recorded (the user already reduced to a hash)."""

    chat_type: str
    user_hash: str
    question: str
    sentence_ids: tuple[str, ...]
    top_score: float | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class FeedbackStats:
    """The /stats figures of the last `days` days."""

    days: int
    questions: int
    unanswered: int
    thumbs_up: int
    thumbs_down: int
    top_unanswered: tuple[tuple[str, int], ...]

    @property
    def unanswered_share(self) -> float:
        """Return the share of questions that got no sentence (0 when there were none)."""
        return self.unanswered / self.questions if self.questions else 0.0


@dataclass(frozen=True, slots=True)
class ExportRow:
    """A question worth a person's look: why (`unanswered` or `thumbs_down`), how often."""

    question: str
    reason: str
    times: int
    last_asked_at: float
    sentence_ids: tuple[str, ...]


class FeedbackStore:
    """One feedback database file in WAL mode, safe to call from several threads.

    Every method may raise `sqlite3.Error` (locked, corrupt) or OSError; callers that must
    not fail (the bot) catch them.
    """

    def __init__(
        self,
        path: Path,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.clock = clock
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._salt = ""
        self._purged_at = 0.0

    def close(self) -> None:
        """Close the connection (a later call opens it again)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def user_hash(self, user_id: int) -> str:
        """Return the salted hash that stands for `user_id` in this database."""
        with self._transaction():
            return _hash(self._salt, user_id)

    def record_question(self, asked: AskedQuestion) -> int:
        """Store `asked` now and return its row id (what the 👍/👎 buttons carry)."""
        now = self.clock()
        with self._transaction() as db:
            if now - self._purged_at > _PURGE_EVERY:
                self._purge(db, now)
            cursor = db.execute(
                "INSERT INTO questions (asked_at, chat_type, user_hash, question, sentence_ids,"
                " answered, top_score, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now,
                    asked.chat_type,
                    asked.user_hash,
                    asked.question,
                    json.dumps(list(asked.sentence_ids), ensure_ascii=False),
                    int(bool(asked.sentence_ids)),
                    asked.top_score,
                    asked.confidence,
                ),
            )
            return int(cursor.lastrowid or 0)

    def rate(self, question_id: int, user_id: int, rating: Rating) -> RateOutcome:
        """Store `user_id`'s `rating` of question `question_id`: one row per user and
        question, so a second press of the same button changes nothing."""
        with self._transaction() as db:
            if (
                db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone()
                is None
            ):
                return RateOutcome.UNKNOWN_QUESTION
            user = _hash(self._salt, user_id)
            row = db.execute(
                "SELECT rating FROM ratings WHERE question_id = ? AND user_hash = ?",
                (question_id, user),
            ).fetchone()
            if row is not None and int(row[0]) == rating:
                return RateOutcome.UNCHANGED
            db.execute(
                "INSERT INTO ratings (question_id, user_hash, rating, rated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_hash)"
                " DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at",
                (question_id, user, int(rating), self.clock()),
            )
            return RateOutcome.STORED if row is None else RateOutcome.CHANGED

    def stats(self, days: int = 7, top: int = 5) -> FeedbackStats:
        """Return the figures of the last `days` days, with the `top` most frequent
        unanswered questions (most frequent first, then most recent)."""
        since = self.clock() - days * DAY
        with self._transaction() as db:
            questions, unanswered = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(answered = 0), 0) FROM questions"
                " WHERE asked_at >= ?",
                (since,),
            ).fetchone()
            up, down = db.execute(
                "SELECT COALESCE(SUM(rating = 1), 0), COALESCE(SUM(rating = -1), 0)"
                " FROM ratings WHERE rated_at >= ?",
                (since,),
            ).fetchone()
            frequent = db.execute(
                "SELECT question, COUNT(*) AS n FROM questions WHERE asked_at >= ?"
                " AND answered = 0 GROUP BY question ORDER BY n DESC, MAX(asked_at) DESC"
                " LIMIT ?",
                (since, top),
            ).fetchall()
        return FeedbackStats(
            days=days,
            questions=int(questions),
            unanswered=int(unanswered),
            thumbs_up=int(up),
            thumbs_down=int(down),
            top_unanswered=tuple((str(q), int(n)) for q, n in frequent),
        )

    def purge(self) -> int:
        """Delete the questions (and their ratings) older than the retention; return how
        many questions went."""
        with self._transaction() as db:
            return self._purge(db, self.clock())

    def export_rows(self) -> list[ExportRow]:
        """Return the unanswered and 👎-rated questions, one row per question text and
        reason, most frequent first."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT question, reason, COUNT(*), MAX(asked_at), MAX(sentence_ids) FROM ("
                " SELECT question, 'unanswered' AS reason, asked_at, sentence_ids"
                " FROM questions WHERE answered = 0"
                " UNION ALL"
                " SELECT q.question, 'thumbs_down', q.asked_at, q.sentence_ids FROM questions q"
                " WHERE q.answered = 1 AND EXISTS (SELECT 1 FROM ratings r"
                " WHERE r.question_id = q.id AND r.rating = -1)"
                ") GROUP BY question, reason ORDER BY COUNT(*) DESC, MAX(asked_at) DESC"
            ).fetchall()
        return [
            ExportRow(str(q), str(reason), int(n), float(at), tuple(json.loads(ids)))
            for q, reason, n, at, ids in rows
        ]

    def _purge(self, db: sqlite3.Connection, now: float) -> int:
        self._purged_at = now
        cutoff = now - self.retention_days * DAY
        db.execute(
            "DELETE FROM ratings WHERE question_id IN"
            " (SELECT id FROM questions WHERE asked_at < ?)",
            (cutoff,),
        )
        return db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Yield the open connection inside one transaction (committed, or rolled back on
        an error), holding the lock so threads take turns."""
        with self._lock:
            db = self._connect()
            with db:
                yield db

    def _connect(self) -> sqlite3.Connection:
        """Return the connection, opening the file (WAL, schema, salt) the first time."""
        if self._connection is not None:
            return self._connection
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            with db:
                db.executescript(_SCHEMA)
                self._salt = _salt(db)
        except BaseException:
            db.close()
            raise
        self._connection = db
        return db


def _salt(db: sqlite3.Connection) -> str:
    """Return the database's salt, creating it (random, 16 bytes) with the database."""
    db.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?), ('schema_version', ?)",
        (secrets.token_hex(16), str(SCHEMA_VERSION)),
    )
    row = db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
    return str(row[0])


def _hash(salt: str, user_id: int) -> str:
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:32]


def export_record(row: ExportRow) -> dict[str, Any]:
    """Return `row` as one line of the export file: what `eval --questions` reads once
    `answers` is filled in (and, optionally, `article_id`)."""
    return {
        "question": row.question,
        "answers": [],
        "article_id": None,
        "reason": row.reason,
        "times": row.times,
        "last_asked_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row.last_asked_at)),
        "returned": list(row.sentence_ids),
    }


def export_for_eval(db_path: Path, out: Path) -> int:
    """Write the 👎-rated and unanswered questions of `db_path` to `out` as JSONL; return
    how many lines were written. Raises FileNotFoundError when the database is missing."""
    if not db_path.is_file():
        raise FileNotFoundError(f"no feedback database at {db_path}")
    store = FeedbackStore(db_path)
    try:
        rows = store.export_rows()
    finally:
        store.close()
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(export_record(row), ensure_ascii=False) + "\n")
    return len(rows)


def sentence_ids(hits: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Return stable ids of returned sentences, from (article id, start offset) pairs:
    "<article id>@<offset>" survives index rebuilds, unlike the index's row numbers."""
    return tuple(f"{article}@{start}" for article, start in hits)

"""Likes, dislikes and comments on answers, kept in SQLite and exported as CSV."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.settings import ROOT

# Stored in PRAGMA user_version: a database written by another layout is refused, not misread.
SCHEMA_VERSION = 1
RATINGS = ("like", "dislike")
MAX_COMMENT_CHARS = 2000
COLUMNS = (
    "id", "answer_id", "created_at", "updated_at", "rating", "comment", "question", "answer", "abstained",
    "lang", "citations", "generator", "embedder", "index_id",
)  # fmt: skip
INSERTED = tuple(c for c in COLUMNS if c not in ("id", "comment"))
SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    answer_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    rating TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    lang TEXT NOT NULL,
    citations TEXT NOT NULL,
    generator TEXT NOT NULL,
    embedder TEXT NOT NULL,
    index_id TEXT NOT NULL
)
"""


def default_db_path() -> Path:
    """RAG_FEEDBACK_DB, or feedback/feedback.sqlite3 in the project folder."""
    env = os.environ.get("RAG_FEEDBACK_DB")
    return Path(env).expanduser() if env else ROOT / "feedback" / "feedback.sqlite3"


@dataclass(frozen=True, slots=True)
class Rated:
    """One answer as it was shown, with the user's rating."""

    answer_id: str  # unique per shown answer: rating it again replaces the rating
    rating: str  # "like" | "dislike"
    question: str
    answer: str
    abstained: bool = False
    lang: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    generator: str = ""
    embedder: str = ""
    index_id: str = ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """A SQLite file that every rating is committed to before the call returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise InputError(
                    f"{path} has feedback schema {version}, expected {SCHEMA_VERSION}: move it away"
                )
            db.execute(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection per call: the app's handlers run in several threads."""
        db = sqlite3.connect(self.path, timeout=10)
        try:
            # WAL lets readers (the CSV export) run beside a writer; synchronous=FULL syncs the WAL on
            # every commit, so a committed rating survives the process being killed (even SIGKILL).
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            with db:  # commits on success, rolls back on error
                yield db
        finally:
            db.close()

    def rate(self, rated: Rated) -> int:
        """Store or replace the rating of an answer; return its row id."""
        if rated.rating not in RATINGS:
            raise InputError(f"rating must be one of {', '.join(RATINGS)}, not {rated.rating!r}")
        now = _now()
        row = (
            rated.answer_id, now, now, rated.rating, rated.question, rated.answer, int(rated.abstained),
            rated.lang, json.dumps(rated.citations, ensure_ascii=False), rated.generator, rated.embedder,
            rated.index_id,
        )  # fmt: skip
        with self._connect() as db:
            db.execute(
                f"INSERT INTO feedback ({', '.join(INSERTED)}) VALUES ({', '.join('?' * len(INSERTED))}) "
                "ON CONFLICT(answer_id) DO UPDATE SET rating = excluded.rating, "
                "updated_at = excluded.updated_at",
                row,
            )
            return int(
                db.execute("SELECT id FROM feedback WHERE answer_id = ?", (rated.answer_id,)).fetchone()[0]
            )

    def comment(self, answer_id: str, text: str) -> bool:
        """Attach a comment to a rated answer; False when the answer has not been rated."""
        text = text.strip()[:MAX_COMMENT_CHARS]
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE feedback SET comment = ?, updated_at = ? WHERE answer_id = ?",
                (text, _now(), answer_id),
            )
            return cursor.rowcount > 0

    def rows(self) -> list[dict[str, Any]]:
        """Every row, oldest first."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")]

    def export_csv(self, path: Path) -> Path:
        """Write every row to a UTF-8 CSV file (with BOM, so spreadsheet programs read it right)."""
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows())
        return path

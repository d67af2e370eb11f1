"""Feedback in SQLite: ratings, comments, CSV export, durability after SIGKILL."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.feedback import COLUMNS, FeedbackStore, Rated, default_db_path

CITATIONS = [{"n": 1, "doc_id": "002", "chunk_id": "002#3", "quote": "Dana AUD 2,1 juta."}]


def rated(answer_id: str = "a1", rating: str = "like") -> Rated:
    return Rated(
        answer_id=answer_id,
        rating=rating,
        question="Berapa dana?",
        answer="AUD 2,1 juta [1].",
        lang="id",
        citations=CITATIONS,
        generator="llama-cpp:qwen",
        embedder="e5",
        index_id="2025/abc",
    )


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "fb" / "feedback.sqlite3")


def test_a_rating_is_stored_with_the_answer_and_models(store: FeedbackStore) -> None:
    row_id = store.rate(rated())
    [row] = store.rows()
    assert row["id"] == row_id and row["rating"] == "like" and row["comment"] == ""
    assert row["question"] == "Berapa dana?" and row["answer"] == "AUD 2,1 juta [1]."
    assert json.loads(row["citations"]) == CITATIONS
    assert (row["generator"], row["embedder"], row["index_id"]) == ("llama-cpp:qwen", "e5", "2025/abc")
    assert row["created_at"].endswith("+00:00")


def test_rating_again_replaces_the_rating_and_keeps_the_comment(store: FeedbackStore) -> None:
    first = store.rate(rated())
    assert store.comment("a1", "  jelas  ")
    assert store.rate(rated(rating="dislike")) == first
    [row] = store.rows()
    assert row["rating"] == "dislike" and row["comment"] == "jelas"


def test_a_comment_needs_a_rated_answer(store: FeedbackStore) -> None:
    assert not store.comment("unknown", "komentar")
    assert store.rows() == []


def test_an_unknown_rating_is_refused(store: FeedbackStore) -> None:
    with pytest.raises(InputError, match="rating"):
        store.rate(rated(rating="meh"))


def test_the_database_uses_wal(store: FeedbackStore) -> None:
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_database_of_another_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(InputError, match="schema 99"):
        FeedbackStore(path)


def test_export_csv_has_every_column_and_row(store: FeedbackStore, tmp_path: Path) -> None:
    store.rate(rated("a1"))
    store.rate(rated("a2", "dislike"))
    store.comment("a2", 'kurang, "salah" angka\nbaris dua')
    path = store.export_csv(tmp_path / "out.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    assert [r["rating"] for r in rows] == ["like", "dislike"]
    assert rows[1]["comment"] == 'kurang, "salah" angka\nbaris dua'


def test_a_committed_rating_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from rag.feedback import FeedbackStore, Rated
        store = FeedbackStore(Path({str(path)!r}))
        store.rate(Rated(answer_id="k1", rating="dislike", question="q", answer="a"))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == -signal.SIGKILL
    [row] = FeedbackStore(path).rows()
    assert row["answer_id"] == "k1" and row["rating"] == "dislike"


def test_default_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_FEEDBACK_DB", str(tmp_path / "x.sqlite3"))
    assert default_db_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv("RAG_FEEDBACK_DB")
    assert default_db_path().parts[-2:] == ("feedback", "feedback.sqlite3")


def test_every_commit_is_synced_to_disk(store: FeedbackStore) -> None:
    with store._connect() as db:
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL

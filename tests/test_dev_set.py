"""Sanity checks for the hand-written eval sets: evals/dev.jsonl (schema, counts, grounding) and the
held-out evals/test.jsonl and test2.jsonl to test12.jsonl (schema, grounding, no overlap with dev)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "evals" / "dev.jsonl"
# the held-out sets in the order they were written: test.jsonl, test2.jsonl, ..., test12.jsonl
HELD_OUT = tuple(ROOT / "evals" / f"test{n}.jsonl" for n in ("", *range(2, 17)))
CORPUS = ROOT / "corpus"
FIELDS = ["id", "lang", "question", "gold_docs", "must_include", "answerable"]
MIN_PER_LANG = {"id": 44, "en": 12, "vi": 7}
MIN_TOTAL = 66
MIN_UNANSWERABLE = 12
# digits or Indonesian number words (and ordinals: "kesembilan") mark an alternative as a number-format
# variant
NUMERIC = re.compile(
    r"\d|\b(?:ke)?(satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|puluh|ratus|ribu|juta|miliar)\b",
    re.IGNORECASE,
)
VI_DIACRITICS = re.compile(
    r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
    re.IGNORECASE,
)


def _rows(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _norm(text: str) -> str:
    """Casefold, strip diacritics (đ -> d), write decimal commas as dots, squeeze spaces."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    return re.sub(r"\s+", " ", text)


ROWS = _rows(DEV)
TEST_ROWS = [row for p in HELD_OUT for row in _rows(p)]
ALL_ROWS = ROWS + TEST_ROWS
DOCS = {p.stem: _norm(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}


def test_schema_and_field_order() -> None:
    for row in ALL_ROWS:
        assert list(row) == FIELDS, row.get("id")
        assert row["lang"] in MIN_PER_LANG, row["id"]
        prefix = "t-" if row in TEST_ROWS else ""
        assert re.fullmatch(rf"{prefix}{row['lang']}-\d{{3,4}}", row["id"]), row["id"]
        assert isinstance(row["question"], str) and 5 < len(row["question"]) < 300, row["id"]
        assert isinstance(row["answerable"], bool), row["id"]
        assert isinstance(row["gold_docs"], list) and all(isinstance(d, str) for d in row["gold_docs"])
        groups = row["must_include"]
        assert isinstance(groups, list), row["id"]
        for group in groups:
            assert isinstance(group, list) and group, row["id"]
            assert all(isinstance(alt, str) and alt.strip() for alt in group), row["id"]


def test_file_is_utf8_not_ascii_escaped() -> None:
    for path in (DEV, *HELD_OUT):
        assert "\\u00" not in path.read_text(encoding="utf-8"), path.name


def test_unique_ids() -> None:
    ids = [row["id"] for row in ALL_ROWS]
    assert len(ids) == len(set(ids))


def test_held_out_questions_are_not_dev_questions() -> None:
    dev = {_norm(row["question"]) for row in ROWS}
    assert not [row["id"] for row in TEST_ROWS if _norm(row["question"]) in dev]
    assert len({_norm(row["question"]) for row in TEST_ROWS}) == len(TEST_ROWS), "nor each other's"
    assert {row["lang"] for row in TEST_ROWS} == set(MIN_PER_LANG)
    assert sum(not row["answerable"] for row in TEST_ROWS) >= len(TEST_ROWS) // 5


def test_counts() -> None:
    per_lang = Counter(row["lang"] for row in ROWS)
    assert len(ROWS) >= MIN_TOTAL
    for lang, minimum in MIN_PER_LANG.items():
        assert per_lang[lang] >= minimum, (lang, per_lang[lang])
    unanswerable = [row for row in ROWS if not row["answerable"]]
    assert len(unanswerable) >= MIN_UNANSWERABLE
    # spread over languages, mostly Indonesian
    by_lang = Counter(row["lang"] for row in unanswerable)
    assert all(by_lang[lang] >= 1 for lang in MIN_PER_LANG), by_lang
    assert by_lang["id"] > len(unanswerable) / 2, by_lang


# Typed without accents on purpose, as some users do (test11).
UNACCENTED = frozenset(("t-vi-1004",))


def test_vietnamese_questions_have_diacritics() -> None:
    for row in ALL_ROWS:
        if row["lang"] == "vi" and row["id"] not in UNACCENTED:
            assert VI_DIACRITICS.search(row["question"]), row["id"]


def test_every_document_is_covered() -> None:
    covered = {doc for row in ROWS for doc in row["gold_docs"]}
    assert covered == set(DOCS)
    per_doc = Counter(doc for row in ROWS for doc in row["gold_docs"])
    assert min(per_doc.values()) >= 5, per_doc


@pytest.mark.parametrize("row", [r for r in ALL_ROWS if not r["answerable"]], ids=lambda r: r["id"])
def test_unanswerable_shape(row: dict) -> None:
    assert row["gold_docs"] == []
    assert row["must_include"] == []


@pytest.mark.parametrize("row", [r for r in ALL_ROWS if r["answerable"]], ids=lambda r: r["id"])
def test_answerable_is_grounded(row: dict) -> None:
    gold = row["gold_docs"]
    assert gold, row["id"]
    assert len(gold) == len(set(gold))
    for doc in gold:
        assert (CORPUS / f"{doc}.txt").is_file(), doc
    texts = [DOCS[doc] for doc in gold]
    groups = row["must_include"]
    assert 1 <= len(groups) <= 3, row["id"]

    def found(alt: str) -> bool:
        return any(_norm(alt) in text for text in texts)

    for group in groups:
        # every fact must be provable from the gold documents
        assert any(found(alt) for alt in group), (row["id"], group)
        if row["lang"] == "id":
            # Indonesian answers quote the articles: every wording alternative must be in a gold
            # doc. Alternatives with digits or number words are number-format variants
            # (8 proyek / delapan, tiga besar / 3 negara) and only need a grounded sibling.
            for alt in group:
                if not NUMERIC.search(alt):
                    assert found(alt), (row["id"], alt)

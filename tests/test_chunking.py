"""Sentence splitting and chunking keep exact offsets."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from rag.chunking import chunk_document, split_sentences
from rag.corpus import load_corpus
from rag.types import Document


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Satu. Dua. Tiga.", ["Satu.", "Dua.", "Tiga."]),
        (
            "Menurut Dr. Tran, pusat dibuka. Lalu selesai.",
            ["Menurut Dr. Tran, pusat dibuka.", "Lalu selesai."],
        ),
        ("Resolusi No. 57 disahkan. Baik.", ["Resolusi No. 57 disahkan.", "Baik."]),
        ("Dana 4.000 publikasi dan 2,1 juta. Ya.", ["Dana 4.000 publikasi dan 2,1 juta.", "Ya."]),
        ('Ia berkata "Siap." Lalu pergi.', ['Ia berkata "Siap."', "Lalu pergi."]),
        ("Baris satu\nBaris dua", ["Baris satu", "Baris dua"]),
        ("Apa? Ya! Oke.", ["Apa?", "Ya!", "Oke."]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert [text[s.start : s.end] for s in split_sentences(text)] == sentences


def test_overlong_sentence_is_cut_into_windows() -> None:
    text = " ".join(f"kata{i}" for i in range(450))
    spans = split_sentences(text, max_words=200)
    assert [s.words for s in spans] == [200, 200, 50]


def test_chunks_of_seed_corpus_keep_offsets_sizes_and_overlap() -> None:
    for doc in load_corpus(Path(__file__).resolve().parent.parent / "corpus"):
        chunks = chunk_document(doc, 80, 200, 1)
        assert [c.ordinal for c in chunks] == list(range(len(chunks)))
        for chunk in chunks:
            assert chunk.text == doc.text[chunk.start : chunk.end]
            assert chunk.chunk_id == f"{doc.doc_id}#{chunk.ordinal}"
            assert chunk.source_url == doc.source_url
            assert 40 <= len(chunk.text.split()) <= 230
        for prev, nxt in itertools.pairwise(chunks):
            assert nxt.start < prev.end, "consecutive chunks overlap by a sentence"
        covered = set()
        for chunk in chunks:
            covered.update(range(chunk.start, chunk.end))
        assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())


def test_short_document_is_one_chunk() -> None:
    doc = Document(doc_id="d", text="Hanya satu kalimat pendek.")
    chunks = chunk_document(doc)
    assert len(chunks) == 1 and chunks[0].text == doc.text


def test_bad_chunk_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        chunk_document(Document(doc_id="d", text="x"), min_words=100, max_words=50)

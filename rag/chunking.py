"""Split a document into sentence-aligned, overlapping chunks that keep their offsets."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rag.types import Chunk, Document

# Abbreviations after which a period does not end a sentence (Indonesian and English news usage).
ABBREVIATIONS = frozenset(
    [
        "no",
        "nr",
        "dr",
        "ir",
        "prof",
        "drs",
        "hj",
        "h",
        "st",
        "bpk",
        "sdr",
        "yth",
        "tn",
        "ny",
        "jl",
        "dll",
        "dsb",
        "dkk",
        "tsb",
        "mr",
        "mrs",
        "ms",
        "jr",
        "sr",
        "vs",
        "etc",
        "e.g",
        "i.e",
    ]
)
# A sentence ends at . ! ? or an ellipsis (optionally followed by closing quotes or brackets) when white
# space and an upper-case letter, a digit or an opening quote follow.
SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-Ỹ])")
WORD_RE = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence as character offsets into the document text."""

    start: int
    end: int
    words: int
    paragraph_end: bool  # the sentence closes a paragraph (a line of the cleaned text)


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` closes a known abbreviation or a single initial."""
    word = text[max(0, text.rfind(" ", 0, dot) + 1) : dot].lstrip("(\"'“").lower()
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _split_long(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Cut a run of text longer than max_words into windows of whole words."""
    words = [m.span() for m in WORD_RE.finditer(text, start, end)]
    return [
        (words[i][0], words[min(i + max_words, len(words)) - 1][1]) for i in range(0, len(words), max_words)
    ]


def split_sentences(text: str, max_words: int = 200) -> list[Span]:
    """Sentence spans of a text; paragraphs (lines) always end a sentence."""
    spans: list[Span] = []
    for para in re.finditer(r"[^\n]+", text):
        cuts = [para.start()]
        for match in SENTENCE_END_RE.finditer(text, para.start(), para.end()):
            if not _is_abbreviation(text, match.start()):
                cuts.append(match.end())
        cuts.append(para.end())
        pieces = [(a, b) for a, b in itertools.pairwise(cuts)]
        for i, (a, b) in enumerate(pieces):
            a += len(text[a:b]) - len(text[a:b].lstrip())
            for s, e in _split_long(text, a, b, max_words):
                last = i == len(pieces) - 1 and e == b
                spans.append(Span(s, e, len(text[s:e].split()), paragraph_end=last))
    return spans


def _group(spans: list[Span], min_words: int, max_words: int, overlap: int) -> list[list[Span]]:
    """Greedy groups of sentences: close a group at a paragraph end once it has min_words."""
    groups: list[list[Span]] = []
    current: list[Span] = []
    fresh = 0  # sentences in `current` that are not overlap from the previous group
    for span in spans:
        if fresh and sum(s.words for s in current) + span.words > max_words:
            groups.append(current)
            current, fresh = current[-overlap:] if overlap else [], 0
        current.append(span)
        fresh += 1
        if span.paragraph_end and sum(s.words for s in current) >= min_words:
            groups.append(current)
            current, fresh = current[-overlap:] if overlap else [], 0
    if fresh:
        tail = sum(s.words for s in current[-fresh:])
        # A short tail joins the previous group rather than standing alone as a weak chunk.
        if groups and tail < min_words // 2 and sum(s.words for s in groups[-1]) + tail <= max_words:
            groups[-1] = groups[-1] + current[-fresh:]
        else:
            groups.append(current)
    return groups


def chunk_document(doc: Document, min_words: int = 80, max_words: int = 200, overlap: int = 1) -> list[Chunk]:
    """Chunks of roughly min..max words of whole sentences, each repeating `overlap` sentences."""
    if not 0 < min_words <= max_words:
        raise ValueError("chunk sizes must satisfy 0 < min_words <= max_words")
    groups = _group(split_sentences(doc.text, max_words), min_words, max_words, overlap)
    chunks = []
    for n, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#{n}",
                doc_id=doc.doc_id,
                ordinal=n,
                text=doc.text[start:end],
                start=start,
                end=end,
                title=doc.title,
                source_url=doc.source_url,
            )
        )
    return chunks

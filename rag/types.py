"""Plain values passed between the stages of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Document:
    """One cleaned article."""

    doc_id: str  # the file stem: stable across runs
    text: str  # cleaned text; chunk and citation offsets point into it
    title: str = ""
    source_url: str = ""
    date: str = ""  # ISO date (YYYY-MM-DD) where the article states one
    path: str = ""
    content_hash: str = ""  # sha256 of the cleaned text


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document: a run of whole sentences."""

    chunk_id: str  # "{doc_id}#{ordinal}"
    doc_id: str
    ordinal: int
    text: str
    start: int  # character offsets into Document.text: text == doc.text[start:end]
    end: int
    title: str = ""
    source_url: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk with the scores that ranked it."""

    chunk: Chunk
    score: float  # the score of the mode asked for (fused score in hybrid mode)
    rank: int  # 1-based
    dense_score: float | None = None
    lexical_score: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    sentence_score: float | None = None  # cosine of the chunk's best sentence (hybrid mode)
    sentence_rank: int | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A [n] marker of an answer, resolved to the sentence that supports it."""

    n: int
    doc_id: str
    chunk_id: str
    source_url: str
    quote: str  # the supporting sentence, as it stands in the document
    start: int  # offsets of the quote into Document.text
    end: int
    title: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the pipeline returns for one question."""

    question: str
    answer: str
    abstained: bool
    lang: str
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    query: str = ""  # the standalone query actually searched (after follow-up rewriting)
    prompt: str = ""
    checks: tuple[str, ...] = ()  # human-readable results of the citation checks
    timings: dict[str, float] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)

"""Wiring: one object that loads the retriever and generator once and serves the CLI and the app."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.corpus import MAX_FILE_BYTES, SUFFIXES, clean_article, load_corpus
from rag.errors import InputError, ModelMissingError
from rag.followup import History
from rag.generators.base import Generator
from rag.indexing import BuildReport, build_index
from rag.retrieval import Retriever, load_retriever
from rag.settings import Settings
from rag.types import Answer, Document

log = logging.getLogger(__name__)

SAFE_ID_RE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_doc_id(filename: str) -> str:
    """A document id from an uploaded file name that cannot leave the corpus folder."""
    stem = Path(filename.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    clean = SAFE_ID_RE.sub("-", stem).strip(".-")[:80]
    if not clean:
        raise InputError(f"cannot make an article id from the file name {filename!r}")
    return clean


class Pipeline:
    """Loads lazily, answers questions, lists and adds articles; safe to share between threads."""

    def __init__(
        self, settings: Settings, *, generator: Generator | None = None, retriever: Retriever | None = None
    ) -> None:
        self.settings = settings
        self._generator = generator
        self._retriever = retriever
        self._lock = threading.RLock()  # one generation at a time: llama.cpp contexts are not re-entrant

    @property
    def retriever(self) -> Retriever:
        """The retriever, loaded on first use."""
        with self._lock:
            if self._retriever is None:
                self._retriever = load_retriever(self.settings)
            return self._retriever

    @property
    def generator(self) -> Generator:
        """The configured generator; the extractive one when the model file is missing."""
        with self._lock:
            if self._generator is None:
                from rag.generators import make_generator

                try:
                    self._generator = make_generator(self.settings)
                except ModelMissingError as exc:
                    log.warning("%s; answering with the extractive generator", exc)
                    from rag.generators.extractive import ExtractiveGenerator

                    self._generator = ExtractiveGenerator()
            return self._generator

    def warm_up(self) -> str:
        """Load the index and the model, and let a prefix-caching model evaluate the prompt's fixed part.

        llama.cpp then reuses that KV cache for every question, so the first question is as fast as the
        rest (~15-30 s less on 2 cores for the ~1,000-token prefix). It is loaded from the file an earlier
        process saved when there is one. Returns what was done ("loaded", "computed and saved", ...).
        """
        from rag.answering import warm_up

        self.retriever  # noqa: B018 - loading is the point
        generator = self.generator
        if not getattr(generator, "caches_prefix", False):
            return "nothing to warm"
        with self._lock:
            return warm_up(generator)

    def ask(
        self, question: str, history: History | None = None, on_token: Callable[[str], None] | None = None
    ) -> Answer:
        """Answer one question (with the conversation so far) and stream the reply to on_token."""
        from rag.answering import answer_question

        retriever, generator = self.retriever, self.generator
        with self._lock:
            return answer_question(
                question,
                retriever=retriever,
                generator=generator,
                settings=self.settings,
                history=history,
                on_token=on_token,
            )

    def documents(self) -> list[dict[str, Any]]:
        """The indexed articles with title, source, date and number of chunks."""
        docs = self.retriever.index.documents  # type: ignore[attr-defined]
        return [{"doc_id": doc_id, **meta} for doc_id, meta in sorted(docs.items())]

    def document(self, doc_id: str) -> Document | None:
        """The cleaned article of an id, or None."""
        return next((d for d in load_corpus(self.settings.corpus_dir) if d.doc_id == doc_id), None)

    def index_id(self) -> str:
        """A short id of the index build, stored with feedback."""
        manifest = self.retriever.index.manifest  # type: ignore[attr-defined]
        files = json.dumps(manifest.get("files", {}), sort_keys=True)
        return f"{manifest.get('built_at', '')}/{hashlib.sha256(files.encode()).hexdigest()[:12]}"

    def add_article(self, filename: str, data: bytes) -> tuple[str, BuildReport]:
        """Check an uploaded or pasted article, save it to the corpus and update the index."""
        suffix = Path(filename).suffix.lower()
        if suffix not in SUFFIXES:
            raise InputError(
                f"only .txt and .md articles can be added, not {suffix or 'a file without suffix'}"
            )
        if len(data) > min(self.settings.max_upload_bytes, MAX_FILE_BYTES):
            raise InputError(
                f"the article is {len(data):,} bytes; the limit is {self.settings.max_upload_bytes:,}"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("the article is not UTF-8 text: save it as UTF-8 and try again") from None
        doc_id = safe_doc_id(filename)
        if "\x00" in text or not clean_article(text, doc_id).text.strip():
            raise InputError("the article has no readable text")
        with self._lock:
            target = self.settings.corpus_dir / f"{doc_id}{suffix}"
            if any((self.settings.corpus_dir / f"{doc_id}{s}").exists() for s in SUFFIXES):
                raise InputError(f"an article with the id '{doc_id}' exists already: rename the file")
            _write_atomic(target, text)
            try:
                report = self.reindex()
            except Exception:
                target.unlink(missing_ok=True)  # the corpus and the index stay as they were
                raise
        return doc_id, report

    def reindex(self) -> BuildReport:
        """Update the index from the corpus folder and reload it."""
        with self._lock:
            embedder = self._retriever.embedder if self._retriever is not None else None  # type: ignore[attr-defined]
            if embedder is None:
                from rag.embedding import make_embedder

                embedder = make_embedder(self.settings)
            report = build_index(load_corpus(self.settings.corpus_dir), self.settings, embedder)
            self._retriever = load_retriever(self.settings, embedder=embedder)
            return report


def _write_atomic(path: Path, text: str) -> None:
    """Write a file so that it exists whole or not at all."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)

"""Build the index incrementally (only changed articles are re-embedded) and load it back."""

from __future__ import annotations

import fcntl
import itertools
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag import dense, store
from rag.chunking import chunk_document
from rag.embedding import Embedder
from rag.errors import IndexStateError
from rag.language import prose_spans
from rag.lexical import ANALYZER_ID, LexicalIndex
from rag.settings import Settings
from rag.types import Chunk, Document

EMBED_BATCH = 16


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    embedded_chunks: int = 0
    embedded_sentences: int = 0
    total_chunks: int = 0
    seconds: float = 0.0
    wrote: bool = False


@dataclass(slots=True)
class SentenceVectors:
    """One vector per prose sentence of every chunk, so a chunk can be found by its best sentence.

    A chunk's vector averages 80-200 words; a question about one fact in it ("who is the Korean
    ambassador?") can be closer to the one sentence that states the fact than to the whole chunk.
    """

    rows: np.ndarray  # int32: the chunk row of each sentence
    spans: np.ndarray  # int32 (n, 2): its offsets inside the chunk text
    vectors: np.ndarray  # float32 (n, dim), unit length
    faiss: object = None

    def __post_init__(self) -> None:
        if self.faiss is None:
            self.faiss = dense.build_faiss(np.ascontiguousarray(self.vectors, np.float32), "flat")

    def best_chunks(self, query: np.ndarray, depth: int) -> list[tuple[int, float]]:
        """(chunk row, cosine of its best sentence) for the `depth` best chunks, best first."""
        best: dict[int, float] = {}
        k = depth * 8  # a chunk holds ~5 sentences: enough sentences to reach `depth` chunks
        for row, score in dense.search_faiss(self.faiss, query, k):
            best.setdefault(int(self.rows[row]), score)  # results come best first
            if len(best) == depth:
                break
        return list(best.items())


@dataclass(slots=True)
class LoadedIndex:
    """An index read from disk, ready to search."""

    manifest: dict[str, Any]
    chunks: list[Chunk]
    vectors: np.ndarray
    faiss: object
    lexical: LexicalIndex
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    sentences: SentenceVectors | None = None  # None in an index built before sentence vectors
    _articles: dict[str, str] | None = field(default=None, repr=False)
    _sentence_vectors: dict[str, np.ndarray] | None = field(default=None, repr=False)

    def article_texts(self) -> dict[str, str]:
        """doc_id -> the article's text, put together from its chunks at their offsets (a gap between
        chunks, which the chunker does not leave, would be spaces): `text[chunk.start:chunk.end]` is the
        chunk's text.

        Built on first use, then kept: the citation checks ask for it on every answer.
        """
        if self._articles is None:
            articles: dict[str, str] = {}
            for chunk in sorted(self.chunks, key=lambda c: (c.doc_id, c.start)):
                text = articles.get(chunk.doc_id, "").ljust(chunk.start)
                articles[chunk.doc_id] = text + chunk.text[len(text) - chunk.start :]
            self._articles = articles
        return self._articles

    def sentence_vectors(self) -> dict[str, np.ndarray]:
        """Sentence text -> its stored vector (empty for an index without sentence vectors).

        The prompt ranks passage sentences by cosine for English and Vietnamese questions: these are
        the same prose sentences, already embedded when the index was built.
        """
        if self._sentence_vectors is None:
            table = self.sentences
            self._sentence_vectors = (
                {}
                if table is None
                else {
                    self.chunks[int(row)].text[int(a) : int(b)]: vector
                    for row, (a, b), vector in zip(table.rows, table.spans, table.vectors, strict=True)
                }
            )
        return self._sentence_vectors


def params_of(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """What the vectors and chunks depend on: any difference means re-embedding everything."""
    return {
        "embedder": {"model_id": embedder.model_id, "dim": embedder.dim},
        "chunking": {
            "min_words": settings.chunk_min_words,
            "max_words": settings.chunk_max_words,
            "overlap_sentences": settings.chunk_overlap_sentences,
        },
    }


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (the CLI and the app may both build)."""
    with (index_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _reusable(index_dir: Path, manifest: dict[str, Any] | None, params: dict[str, Any]) -> dict[str, Any]:
    """Old chunks and vectors by doc id, when the old index was built with the same parameters."""
    if not manifest or any(manifest.get(k) != v for k, v in params.items()):
        return {}
    if "sentences" not in manifest.get("files", {}):
        return {}  # built before sentence vectors: embed everything once more
    try:
        store.verify_files(index_dir, manifest)
        chunks = store.read_chunks(index_dir / manifest["files"]["chunks"]["name"])
        vectors = np.asarray(store.load_vectors(index_dir / manifest["files"]["vectors"]["name"]))
        sentences = store.load_sentences(index_dir / manifest["files"]["sentences"]["name"])
    except IndexStateError:
        return {}  # a damaged old index is simply not reused
    groups = _by_chunk(sentences, len(chunks))
    by_doc: dict[str, Any] = {}
    for row, chunk in enumerate(chunks):
        by_doc.setdefault(chunk.doc_id, ([], [], []))
        by_doc[chunk.doc_id][0].append(chunk)
        by_doc[chunk.doc_id][1].append(vectors[row])
        by_doc[chunk.doc_id][2].append(groups[row])
    return {"hashes": {k: v["content_hash"] for k, v in manifest["documents"].items()}, "docs": by_doc}


# The sentences of one chunk: their spans (n, 2) and vectors (n, dim).
Group = tuple[np.ndarray, np.ndarray]


def _by_chunk(sentences: dict[str, np.ndarray], n_chunks: int) -> list[Group]:
    """Split the sentence arrays of an index into one group per chunk row."""
    rows = sentences["rows"]
    bounds = np.searchsorted(rows, np.arange(n_chunks + 1))
    return [(sentences["spans"][a:b], sentences["vectors"][a:b]) for a, b in itertools.pairwise(bounds)]


def _embed(
    embedder: Embedder, chunks: list[Chunk], progress: Callable[[int], None] | None
) -> tuple[np.ndarray, list[Group]]:
    """Passage vectors, and the vectors of each passage's sentences, in batches of chunks."""
    parts = [np.zeros((0, embedder.dim), np.float32)]
    groups: list[Group] = []
    for i in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[i : i + EMBED_BATCH]
        parts.append(embedder.embed_passages([c.text for c in batch]))
        spans = [np.array(prose_spans(c.text), np.int32).reshape(-1, 2) for c in batch]
        texts = [c.text[a:b] for c, rows in zip(batch, spans, strict=True) for a, b in rows]
        vectors = embedder.embed_passages(texts) if texts else np.zeros((0, embedder.dim), np.float32)
        bounds = np.cumsum([0] + [len(s) for s in spans])
        groups += [(s, vectors[a:b]) for s, a, b in zip(spans, bounds[:-1], bounds[1:], strict=True)]
        if progress:
            progress(len(batch))
    return np.concatenate(parts), groups


def _collect(
    docs: list[Document], settings: Settings, old: dict[str, Any], embedder: Embedder, progress: Any
) -> tuple[list[Chunk], np.ndarray, list[Group], list[Group]]:
    """All chunks, their vectors and sentence groups in doc order, reusing those of unchanged documents.

    Also returns the groups of the chunks embedded now.
    """
    chunks: list[Chunk] = []
    vectors: list[np.ndarray] = []
    groups: list[Group] = []
    fresh: list[Chunk] = []
    slots: list[int] = []
    empty: Group = (np.zeros((0, 2), np.int32), np.zeros((0, embedder.dim), np.float32))
    for doc in docs:
        if old and old["hashes"].get(doc.doc_id) == doc.content_hash and doc.doc_id in old["docs"]:
            kept, vecs, kept_groups = old["docs"][doc.doc_id]
            chunks.extend(kept)
            vectors.extend(vecs)
            groups.extend(kept_groups)
            continue
        for chunk in chunk_document(
            doc, settings.chunk_min_words, settings.chunk_max_words, settings.chunk_overlap_sentences
        ):
            slots.append(len(chunks))
            chunks.append(chunk)
            vectors.append(np.zeros(embedder.dim, np.float32))
            groups.append(empty)
            fresh.append(chunk)
    new_vectors, new_groups = _embed(embedder, fresh, progress)
    matrix = np.array(vectors, dtype=np.float32).reshape(-1, embedder.dim)
    matrix[slots] = new_vectors
    for slot, group in zip(slots, new_groups, strict=True):
        groups[slot] = group
    return chunks, matrix, groups, new_groups


def _write(
    index_dir: Path, chunks: list[Chunk], vectors: np.ndarray, groups: list[Group], index_type: str
) -> dict[str, Any]:
    """Write the data files under a fresh tag; return their manifest entries."""
    tag = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    paths = {
        "chunks": index_dir / f"chunks-{tag}.jsonl",
        "vectors": index_dir / f"vectors-{tag}.npy",
        "faiss": index_dir / f"faiss-{tag}.index",
        "bm25": index_dir / f"bm25-{tag}",
        "sentences": index_dir / f"sentences-{tag}.npz",
    }
    store.write_chunks(paths["chunks"], chunks)
    np.save(paths["vectors"], vectors)
    dense.write_faiss(dense.build_faiss(vectors, index_type), paths["faiss"])
    store.save_lexical(paths["bm25"], LexicalIndex.build([c.text for c in chunks]))
    store.save_sentences(
        paths["sentences"],
        rows=np.repeat(np.arange(len(groups), dtype=np.int32), [len(s) for s, _ in groups]),
        spans=np.concatenate([s for s, _ in groups] or [np.zeros((0, 2), np.int32)]).astype(np.int32),
        vectors=np.concatenate([v for _, v in groups] or [np.zeros((0, vectors.shape[1]))]).astype(
            np.float32
        ),
    )
    return {role: store.file_entry(path) for role, path in paths.items()}


def build_index(
    docs: list[Document],
    settings: Settings,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BuildReport:
    """Bring the index in settings.index_dir up to date with `docs`; only changed docs are embedded."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    index_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir):
        try:
            manifest = None if rebuild else store.read_manifest(index_dir)
        except IndexStateError:
            manifest = None
        params = params_of(settings, embedder)
        old = _reusable(index_dir, manifest, params)
        old_hashes: dict[str, str] = old.get("hashes", {})
        new_hashes = {d.doc_id: d.content_hash for d in docs}
        report: dict[str, Any] = {
            "added": tuple(sorted(set(new_hashes) - set(old_hashes))),
            "removed": tuple(sorted(set(old_hashes) - set(new_hashes))),
            "changed": tuple(
                sorted(k for k in new_hashes if k in old_hashes and old_hashes[k] != new_hashes[k])
            ),
            "unchanged": tuple(sorted(k for k in new_hashes if old_hashes.get(k) == new_hashes[k])),
        }
        n_old = sum(d["chunks"] for d in manifest["documents"].values()) if manifest else 0
        index_type = dense.resolve_index_type(settings.index_type, n_old)
        if old and new_hashes == old_hashes and manifest and manifest.get("index_type") == index_type:
            return BuildReport(**report, total_chunks=n_old, seconds=time.perf_counter() - started)
        chunks, vectors, groups, new_groups = _collect(docs, settings, old, embedder, progress)
        index_type = dense.resolve_index_type(settings.index_type, len(chunks))
        files = _write(index_dir, chunks, vectors, groups, index_type)
        new_manifest = {
            "format_version": store.FORMAT_VERSION,
            **params,
            "embedder_runtime": embedder.runtime,
            "index_type": index_type,
            "analyzer": ANALYZER_ID,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "documents": store.documents_entry(docs, chunks),
            "files": files,
        }
        store.write_manifest(index_dir, new_manifest)
        store.remove_unreferenced(index_dir, new_manifest)
    seconds = time.perf_counter() - started
    return BuildReport(
        **report,
        embedded_chunks=len(new_groups),
        embedded_sentences=sum(len(spans) for spans, _ in new_groups),
        total_chunks=len(chunks),
        seconds=seconds,
        wrote=True,
    )


def check_fresh(manifest: dict[str, Any], docs: list[Document]) -> None:
    """Raise IndexStateError when the corpus no longer matches what the index was built from."""
    built = {k: v["content_hash"] for k, v in manifest["documents"].items()}
    now = {d.doc_id: d.content_hash for d in docs}
    if built != now:
        added, removed = len(set(now) - set(built)), len(set(built) - set(now))
        changed = sum(1 for k in now if k in built and built[k] != now[k])
        raise IndexStateError(
            f"index is stale ({added} added, {changed} changed, {removed} removed articles): run `rag index`"
        )


def load_index(index_dir: Path, model_id: str, docs: list[Document] | None = None) -> LoadedIndex:
    """Read and verify an index; check it matches the embedder model and, if given, the corpus."""
    manifest = store.read_manifest(index_dir)
    if manifest is None:
        raise IndexStateError(f"no index in {index_dir}: run `rag index`")
    built_with = manifest.get("embedder", {}).get("model_id")
    if built_with != model_id:
        raise IndexStateError(
            f"index was built with embedder '{built_with}' but the settings use '{model_id}': "
            f"{store.REBUILD_HINT}"
        )
    store.verify_files(index_dir, manifest)
    if docs is not None:
        check_fresh(manifest, docs)
    files = manifest["files"]
    chunks = store.read_chunks(index_dir / files["chunks"]["name"])
    vectors = store.load_vectors(index_dir / files["vectors"]["name"])
    faiss_index = dense.read_faiss(index_dir / files["faiss"]["name"])
    if len(chunks) != len(vectors) or len(chunks) != faiss_index.ntotal:  # type: ignore[attr-defined]
        raise IndexStateError(
            f"index files in {index_dir} disagree on the number of chunks: {store.REBUILD_HINT}"
        )
    lexical = LexicalIndex.load(index_dir / files["bm25"]["name"])
    sentences = None
    if "sentences" in files:
        arrays = store.load_sentences(index_dir / files["sentences"]["name"])
        if len(arrays["rows"]) and int(arrays["rows"].max()) >= len(chunks):
            raise IndexStateError(
                f"index files in {index_dir} disagree on the number of chunks: {store.REBUILD_HINT}"
            )
        sentences = SentenceVectors(arrays["rows"], arrays["spans"], arrays["vectors"])
    return LoadedIndex(
        manifest, chunks, vectors, faiss_index, lexical, manifest["documents"], sentences=sentences
    )

"""The index on disk: FAISS vectors, chunks, BM25 and a manifest that names them all.

A build writes new files under a fresh tag, then replaces manifest.json atomically, then deletes
the files the new manifest no longer names. A build killed at any point leaves the previous
manifest, and every file it names, in place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexStateError
from rag.lexical import LexicalIndex
from rag.types import Chunk, Document

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REBUILD_HINT = "run `rag index --rebuild`"
# Hash every file on load only while that is cheap; past this size a size check has to do.
VERIFY_MAX_BYTES = 200_000_000


def file_sha256(path: Path) -> str:
    """sha256 of a file, or of every file of a folder in name order."""
    digest = hashlib.sha256()
    for part in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if part.is_file():
            digest.update(part.name.encode())
            with part.open("rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
    return digest.hexdigest()


def _size(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest of an index folder, None when there is none; damaged ones raise IndexStateError."""
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise IndexStateError(f"index manifest {path} is damaged: {REBUILD_HINT}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise IndexStateError(
            f"index in {index_dir} has format version {found}, this version reads {FORMAT_VERSION}: "
            f"{REBUILD_HINT}"
        )
    return manifest


def write_manifest(index_dir: Path, manifest: dict[str, Any]) -> None:
    """Replace manifest.json atomically (write a temp file, fsync, rename)."""
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / MANIFEST)


def verify_files(index_dir: Path, manifest: dict[str, Any]) -> None:
    """Check every file the manifest names exists with its recorded size (and hash when small)."""
    files: dict[str, dict[str, Any]] = manifest.get("files", {})
    for role, entry in files.items():
        path = index_dir / entry["name"]
        if not path.exists():
            raise IndexStateError(f"index file {path.name} ({role}) is missing: {REBUILD_HINT}")
        if _size(path) != entry["bytes"]:
            raise IndexStateError(f"index file {path.name} ({role}) is truncated or changed: {REBUILD_HINT}")
        if entry["bytes"] <= VERIFY_MAX_BYTES and file_sha256(path) != entry["sha256"]:
            raise IndexStateError(f"index file {path.name} ({role}) is corrupted: {REBUILD_HINT}")


def file_entry(path: Path) -> dict[str, Any]:
    """What the manifest records of a written file."""
    return {"name": path.name, "bytes": _size(path), "sha256": file_sha256(path)}


def remove_unreferenced(index_dir: Path, manifest: dict[str, Any]) -> None:
    """Delete index files of earlier builds that the manifest no longer names."""
    keep = {entry["name"] for entry in manifest.get("files", {}).values()} | {MANIFEST, ".lock"}
    for path in index_dir.iterdir():
        if path.name in keep or path.name == "README.md":
            continue
        if path.name.startswith(".") and not path.name.startswith(".manifest-"):
            continue  # the lock and other people's dotfiles; a killed build's temp manifest goes
        if path.is_dir():
            for part in sorted(path.rglob("*"), reverse=True):
                part.rmdir() if part.is_dir() else part.unlink()
            path.rmdir()
        else:
            path.unlink()


def write_chunks(path: Path, chunks: list[Chunk]) -> None:
    """Chunks as JSON lines, in index row order."""
    with path.open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(dataclasses.asdict(chunk), ensure_ascii=False) + "\n")


def read_chunks(path: Path) -> list[Chunk]:
    """Chunks written by write_chunks; a damaged file raises IndexStateError."""
    try:
        with path.open(encoding="utf-8") as handle:
            return [Chunk(**json.loads(line)) for line in handle if line.strip()]
    except (json.JSONDecodeError, TypeError, UnicodeDecodeError):
        raise IndexStateError(f"chunks file {path.name} is damaged: {REBUILD_HINT}") from None


def documents_entry(docs: list[Document], chunks: list[Chunk]) -> dict[str, dict[str, Any]]:
    """Per-document manifest records: content hash and metadata, with the chunk count."""
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return {
        d.doc_id: {
            "content_hash": d.content_hash,
            "title": d.title,
            "source_url": d.source_url,
            "date": d.date,
            "chunks": counts.get(d.doc_id, 0),
        }
        for d in docs
    }


def save_lexical(path: Path, lexical: LexicalIndex) -> None:
    """Write the BM25 folder."""
    path.mkdir()
    lexical.save(path)


def load_vectors(path: Path) -> np.ndarray:
    """The chunk vectors, memory-mapped read-only."""
    return np.load(path, mmap_mode="r")


def save_sentences(path: Path, rows: np.ndarray, spans: np.ndarray, vectors: np.ndarray) -> None:
    """Write the sentence rows, spans and vectors as one .npz file."""
    with path.open("wb") as handle:
        np.savez(handle, rows=rows, spans=spans, vectors=vectors)


def load_sentences(path: Path) -> dict[str, np.ndarray]:
    """The arrays written by save_sentences; a damaged file raises IndexStateError."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in ("rows", "spans", "vectors")}
    except (OSError, ValueError, KeyError, EOFError):
        raise IndexStateError(f"sentence file {path.name} is damaged: {REBUILD_HINT}") from None
    if not len(arrays["rows"]) == len(arrays["spans"]) == len(arrays["vectors"]):
        raise IndexStateError(f"sentence file {path.name} is damaged: {REBUILD_HINT}")
    return arrays

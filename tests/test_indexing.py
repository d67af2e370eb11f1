"""The index on disk: manifest, incremental builds, atomic writes and checks on load."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from rag import store
from rag.corpus import load_corpus
from rag.errors import IndexStateError
from rag.indexing import build_index, load_index
from rag.language import prose_spans
from rag.settings import Settings


def _build(settings: Settings, embedder: FakeEmbedder, **kwargs: object):  # type: ignore[no-untyped-def]
    return build_index(load_corpus(settings.corpus_dir), settings, embedder, **kwargs)  # type: ignore[arg-type]


def test_manifest_records_what_the_index_depends_on(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    report = _build(settings, fake_embedder)
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert manifest["embedder"] == {"model_id": "fake/bow-64", "dim": 64}
    assert manifest["chunking"] == {"min_words": 80, "max_words": 200, "overlap_sentences": 1}
    assert manifest["index_type"] == "flat"
    assert set(manifest["documents"]) == {"alpha", "beta", "gamma"}
    assert all(len(d["content_hash"]) == 64 for d in manifest["documents"].values())
    assert set(manifest["files"]) == {"chunks", "vectors", "faiss", "bm25", "sentences"}
    assert report.added == ("alpha", "beta", "gamma") and report.wrote
    index = load_index(settings.index_dir, fake_embedder.model_id)
    assert report.total_chunks == len(index.chunks)
    assert index.sentences is not None
    n_sentences = sum(len(prose_spans(c.text)) for c in index.chunks)
    assert len(index.sentences.rows) == n_sentences > 0
    assert fake_embedder.passages_embedded == report.total_chunks + n_sentences, "each chunk, sentence once"


def test_rebuilding_an_unchanged_corpus_does_nothing(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    _build(settings, fake_embedder)

    def files() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in settings.index_dir.iterdir() if p.name != ".lock"}

    before = files()
    fake_embedder.passages_embedded = 0
    report = _build(settings, fake_embedder)
    assert not report.wrote and fake_embedder.passages_embedded == 0
    assert files() == before


def test_only_changed_articles_are_embedded(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    _build(settings, fake_embedder)
    corpus = settings.corpus_dir
    (corpus / "beta.txt").write_text("Berita baru tentang strategi AI nasional Vietnam.\n", encoding="utf-8")
    (corpus / "gamma.md").unlink()
    (corpus / "delta.txt").write_text("Laos dan Vietnam menyelenggarakan Pekan Digital tahunan.\n")
    fake_embedder.passages_embedded = 0
    report = _build(settings, fake_embedder)
    assert (report.added, report.changed, report.removed, report.unchanged) == (
        ("delta",),
        ("beta",),
        ("gamma",),
        ("alpha",),
    )
    index = load_index(settings.index_dir, fake_embedder.model_id, load_corpus(corpus))
    new = [c for c in index.chunks if c.doc_id in ("beta", "delta")]
    assert report.embedded_chunks == len(new) == 2
    assert fake_embedder.passages_embedded == 2 + sum(len(prose_spans(c.text)) for c in new)
    assert {c.doc_id for c in index.chunks} == {"alpha", "beta", "delta"}
    fresh = FakeEmbedder().embed_passages([c.text for c in index.chunks])
    assert (abs(index.vectors - fresh) < 1e-6).all(), "reused and new vectors sit on the right rows"
    assert index.sentences is not None
    pairs = zip(index.sentences.rows, index.sentences.spans, strict=True)
    texts = [index.chunks[row].text[a:b] for row, (a, b) in pairs]
    assert texts == [c.text[a:b] for c in index.chunks for a, b in prose_spans(c.text)], "in row order"
    fresh = FakeEmbedder().embed_passages(texts)
    assert (abs(index.sentences.vectors - fresh) < 1e-6).all(), "reused and new sentence vectors match"
    leftovers = [p.name for p in settings.index_dir.iterdir() if not p.name.startswith(".")]
    assert len(leftovers) == 6, "files of the previous build are removed"


def test_interrupted_build_leaves_previous_index_usable(
    settings: Settings, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(settings, fake_embedder)
    (settings.corpus_dir / "beta.txt").write_text("Isi yang berubah.\n")

    def crash(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "write_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        _build(settings, fake_embedder)
    monkeypatch.undo()
    index = load_index(settings.index_dir, fake_embedder.model_id)
    assert "beta" in {c.doc_id for c in index.chunks}
    assert _build(settings, fake_embedder).changed == ("beta",)


def test_stale_index_says_how_to_update(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    _build(settings, fake_embedder)
    (settings.corpus_dir / "alpha.txt").write_text("Teks baru.\n")
    with pytest.raises(IndexStateError, match=r"stale \(0 added, 1 changed, 0 removed.*rag index"):
        load_index(settings.index_dir, fake_embedder.model_id, load_corpus(settings.corpus_dir))


def test_other_embedder_is_refused(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    _build(settings, fake_embedder)
    with pytest.raises(IndexStateError, match=r"built with embedder 'fake/bow-64'.*--rebuild"):
        load_index(settings.index_dir, "intfloat/multilingual-e5-small")


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexStateError, match=r"no index.*rag index"):
        load_index(tmp_path, "x")


@pytest.mark.parametrize("role", ["faiss", "chunks", "vectors", "sentences"])
def test_damaged_files_are_detected(settings: Settings, fake_embedder: FakeEmbedder, role: str) -> None:
    _build(settings, fake_embedder)
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    path = settings.index_dir / manifest["files"][role]["name"]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexStateError, match=r"--rebuild"):
        load_index(settings.index_dir, fake_embedder.model_id)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    with pytest.raises(IndexStateError, match=r"corrupted.*--rebuild"):
        load_index(settings.index_dir, fake_embedder.model_id)


@pytest.mark.parametrize("content", ["{not json", '{"format_version": 99}'])
def test_bad_manifest_is_detected(settings: Settings, fake_embedder: FakeEmbedder, content: str) -> None:
    _build(settings, fake_embedder)
    (settings.index_dir / "manifest.json").write_text(content)
    with pytest.raises(IndexStateError, match=r"--rebuild"):
        load_index(settings.index_dir, fake_embedder.model_id)
    assert _build(settings, fake_embedder).wrote, "a build repairs it"


def test_changed_chunking_re_embeds_everything(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    first = _build(settings, fake_embedder)
    report = _build(dataclasses.replace(settings, chunk_min_words=20, chunk_max_words=40), fake_embedder)
    assert report.wrote and report.embedded_chunks == report.total_chunks > first.total_chunks


@pytest.mark.parametrize("index_type", ["flat", "hnsw", "ivf"])
def test_index_types_search_the_same_small_corpus(
    settings: Settings, fake_embedder: FakeEmbedder, index_type: str
) -> None:
    from rag.retrieval import Retriever

    _build(dataclasses.replace(settings, index_type=index_type), fake_embedder, rebuild=True)
    index = load_index(settings.index_dir, fake_embedder.model_id)
    assert index.manifest["index_type"] == index_type
    hits = Retriever(index, fake_embedder).search("Qualcomm ponsel pintar otomotif", top_k=1, mode="dense")
    assert hits[0].chunk.doc_id == "beta"


def test_a_sentence_file_that_does_not_fit_the_chunks_is_refused(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    _build(settings, fake_embedder)
    manifest_path = settings.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    path = settings.index_dir / manifest["files"]["sentences"]["name"]
    arrays = store.load_sentences(path)
    store.save_sentences(path, arrays["rows"] + 100, arrays["spans"], arrays["vectors"])
    manifest["files"]["sentences"] = store.file_entry(path)  # consistent hashes, inconsistent content
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexStateError, match=r"disagree on the number of chunks.*--rebuild"):
        load_index(settings.index_dir, fake_embedder.model_id)


def test_the_prompt_ranks_sentences_with_the_stored_vectors(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    from rag.answering import _embedding_similarity
    from rag.retrieval import Retriever

    _build(settings, fake_embedder)
    index = load_index(settings.index_dir, fake_embedder.model_id)
    stored = index.sentence_vectors()
    assert index.sentences is not None and len(stored) > 0
    similarity = _embedding_similarity(Retriever(index, fake_embedder))
    assert similarity is not None
    sentences = list(stored)[:5]
    fake_embedder.passages_embedded = 0
    scores = similarity("When was the centre opened?", sentences)
    assert fake_embedder.passages_embedded == 0, "stored sentences are not embedded again"
    query = fake_embedder.embed_queries(["When was the centre opened?"])[0]
    assert scores == pytest.approx([float(stored[s] @ query) for s in sentences], abs=1e-6)
    similarity("When?", ["A sentence the index does not hold, written for this test."])
    assert fake_embedder.passages_embedded == 1, "others are embedded on the spot"


def test_article_texts_put_each_chunk_at_its_offsets(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    # the answer checks read the sentence before a chunk's first one from here
    _build(dataclasses.replace(settings, chunk_min_words=8, chunk_max_words=20), fake_embedder)
    index = load_index(settings.index_dir, fake_embedder.model_id)
    articles = index.article_texts()
    assert len(index.chunks) > len(articles)  # several chunks per article, overlapping
    assert all(articles[c.doc_id][c.start : c.end] == c.text for c in index.chunks)
    docs = {d.doc_id: d.text for d in load_corpus(settings.corpus_dir)}
    assert all(docs[doc_id].startswith(text.strip()) for doc_id, text in articles.items())

"""Adding articles through the pipeline: checks, ids that stay in the corpus, incremental index."""

from __future__ import annotations

import pytest

from rag.corpus import load_corpus
from rag.errors import InputError
from rag.indexing import build_index, load_index
from rag.pipeline import Pipeline, safe_doc_id
from rag.retrieval import Retriever
from rag.settings import Settings


@pytest.mark.parametrize(
    ("name", "doc_id"),
    [
        ("berita.txt", "berita"),
        ("../../etc/passwd.txt", "passwd"),
        ("..\\..\\windows\\win.md", "win"),
        ("a b/c d.md", "c-d"),
        ("Berita Baru (2025).txt", "Berita-Baru-2025"),
        ("...hidden.txt", "hidden"),
    ],
)
def test_safe_doc_id(name: str, doc_id: str) -> None:
    assert safe_doc_id(name) == doc_id


def test_safe_doc_id_refuses_nothing_left() -> None:
    with pytest.raises(InputError):
        safe_doc_id("../.txt")


@pytest.fixture
def pipeline(settings: Settings, fake_embedder) -> Pipeline:  # type: ignore[no-untyped-def]
    build_index(load_corpus(settings.corpus_dir), settings, fake_embedder)
    retriever = Retriever(load_index(settings.index_dir, fake_embedder.model_id), fake_embedder)
    return Pipeline(settings, retriever=retriever)


def test_add_article_indexes_it_at_once(pipeline: Pipeline, settings: Settings) -> None:
    doc_id, report = pipeline.add_article(
        "../laos.txt", b"Laos dan Vietnam sepakat membangun pusat data bersama.\n"
    )
    assert doc_id == "laos" and report.added == ("laos",) and report.embedded_chunks == 1
    assert (settings.corpus_dir / "laos.txt").is_file()
    assert not (settings.corpus_dir.parent / "laos.txt").exists()
    assert "laos" in [d["doc_id"] for d in pipeline.documents()]
    hits = pipeline.retriever.search("pusat data bersama Laos", top_k=1, mode="lexical")
    assert hits[0].chunk.doc_id == "laos"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("x.pdf", b"%PDF-1.4", "only .txt and .md"),
        ("x.txt", "é".encode("latin-1") * 10, "not UTF-8"),
        ("x.txt", b"   \n", "no readable text"),
        ("x.txt", b"a" * 3_000_000, "limit"),
        ("alpha.md", b"Teks lain.", "exists already"),
    ],
)
def test_bad_articles_are_refused_and_nothing_changes(
    pipeline: Pipeline, settings: Settings, name: str, data: bytes, message: str
) -> None:
    before = sorted(p.name for p in settings.corpus_dir.iterdir())
    with pytest.raises(InputError, match=message):
        pipeline.add_article(name, data)
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == before
    assert len(pipeline.documents()) == 3


class _Recorder:
    def __init__(self, caches_prefix: bool) -> None:
        self.name, self.caches_prefix, self.calls = "recorder", caches_prefix, 0

    def stream(self, messages, *, max_tokens, stop):  # type: ignore[no-untyped-def]
        self.calls += 1
        assert messages[0]["role"] == "system" and max_tokens == 1
        yield "x"


@pytest.mark.parametrize(("caches_prefix", "calls"), [(True, 1), (False, 0)])
def test_warm_up_evaluates_the_fixed_prefix_only_for_a_caching_model(
    settings: Settings,
    fake_embedder,
    caches_prefix: bool,
    calls: int,  # type: ignore[no-untyped-def]
) -> None:
    build_index(load_corpus(settings.corpus_dir), settings, fake_embedder)
    generator = _Recorder(caches_prefix)
    retriever = Retriever(load_index(settings.index_dir, fake_embedder.model_id), fake_embedder)
    pipeline = Pipeline(settings, generator=generator, retriever=retriever)
    pipeline.warm_up()
    assert generator.calls == calls

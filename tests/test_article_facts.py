"""Questions about an article itself (when, which site) answered from its metadata, without the model."""

from __future__ import annotations

from typing import Any

import pytest

from rag.answering import answer_question
from rag.article_facts import about_article, asks_about_article, format_date, site_of
from rag.settings import Settings
from rag.types import Chunk, Hit

ARTICLE = (
    "(PLVN) - Vietnam sedang menjadi pusat baru kecerdasan buatan (AI) yang bertanggung jawab di kawasan "
    "ini. Menteri Nguyen Manh Hung menegaskan perlunya infrastruktur AI yang terbuka dan manusiawi."
)
URL = "https://baophapluat.vn/kien-tao-ha-tang-tri-tue-nhan-tao-mo-va-nhan-van-tai-viet-nam.html"
DOCUMENT = {"title": "Membangun infrastruktur AI", "source_url": URL, "date": "2025-11-16"}


def _hit(dense: float = 0.86) -> Hit:
    chunk = Chunk("plvn#0", "plvn", 0, ARTICLE, 0, len(ARTICLE), "", URL)
    return Hit(chunk, 0.03, 1, dense_score=dense, lexical_score=5.0)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Kapan artikel tentang UNICEF itu diterbitkan?", "date"),
        ("berita ini terbit tanggal berapa ya?", "date"),
        ("When was the PLVN article on open AI infrastructure published?", "date"),
        ("What is the publication date of the story about AVSTC?", "date"),
        ("Bài báo về hợp tác Việt - Lào được đăng ngày nào?", "date"),
        ("Bài báo trên Pháp Luật đăng ngày nào?", "date"),  # "Pháp Luật" is the paper, not a law
        ("Kapan artikel tentang Resolusi 57 terbit?", "date"),  # the resolution is only the topic
        ("berita ttg qualcomm itu aslinya dimuat situs apa ya?", "source"),
        ("Berita tentang Qualcomm, linknya apa?", "source"),
        ("Artikelnya dimuat di situs apa?", "source"),
        ("Which website published the article about UNICEF?", "source"),
        ("Bài báo này đăng trên báo nào?", "source"),
        # about the content, not the article
        ("Kapan seminar Vietnam-Laos diadakan?", None),
        ("When was the AVSTC launched?", None),
        ("Menurut berita itu, kapan peraturannya diterbitkan?", None),
        ("Menurut berita, dana AVSTC dari mana?", None),
        ("According to the article, where does the funding come from?", None),
        ("Thông tin về nguồn vốn AVSTC từ đâu?", None),
        ("Which media outlets reported on the Laos visit?", None),
        ("Bài báo nào nói về UNICEF?", None),  # which article, not which paper
    ],
)
def test_asks_about_article(question: str, kind: str | None) -> None:
    assert asks_about_article(question) == kind


@pytest.mark.parametrize(
    ("iso", "lang", "shown"),
    [
        ("2025-11-16", "id", "16 November 2025"),
        ("2025-08-05", "en", "5 August 2025"),
        ("2025-06-16", "vi", "16/6/2025"),
    ],
)
def test_format_date(iso: str, lang: str, shown: str) -> None:
    assert format_date(iso, lang) == shown


def test_site_of() -> None:
    assert site_of(URL) == "baophapluat.vn"
    assert site_of("https://www.mst.gov.vn/x.htm") == "mst.gov.vn"


@pytest.mark.parametrize(
    ("question", "lang", "expected"),
    [
        (
            "Kapan artikel tentang infrastruktur AI yang terbuka dan manusiawi diterbitkan?",
            "id",
            "16 November 2025",
        ),
        ("When was the PLVN article published?", "en", "16 November 2025"),
        ("Bài báo của Báo Pháp Luật đăng ngày nào?", "vi", "16/11/2025"),  # the paper's name is in the URL
        # abbreviations, and a Vietnamese question's own capitalised words, do not count against it
        ("Bài báo về Bộ KH&CN và ông Nguyen Manh Hung được lấy từ trang web nào?", "vi", "baophapluat.vn"),
        ("Artikel soal infrastruktur AI itu dimuat di situs apa?", "id", "baophapluat.vn"),
        # not this article: a name it lacks, or (Indonesian) a topic it does not cover
        ("When was the Samsung article published?", "en", None),
        ("Kapan berita soal harga beras dan impor gandum diterbitkan?", "id", None),
        # not a question about the article
        ("Siapa Menteri yang menegaskan perlunya infrastruktur AI?", "id", None),
    ],
)
def test_about_article(question: str, lang: str, expected: str | None) -> None:
    found = about_article(question, lang, _hit(), DOCUMENT, ARTICLE)
    if expected is None:
        assert found is None
        return
    assert found is not None
    text, citation = found
    assert expected in text and "[1]" in text
    assert citation.doc_id == "plvn" and citation.source_url == URL
    assert ARTICLE[citation.start : citation.end] == citation.quote


def test_no_date_in_the_metadata_gives_no_date_answer() -> None:
    assert about_article("Kapan artikel PLVN terbit?", "id", _hit(), {"source_url": URL}, ARTICLE) is None


class _Index:
    def __init__(self) -> None:
        self.documents = {"plvn": DOCUMENT}

    def article_texts(self) -> dict[str, str]:
        return {"plvn": ARTICLE}


class _Retriever:
    index = _Index()

    def __init__(self, dense: float = 0.86) -> None:
        self.dense = dense

    def search(self, query: str, top_k: int = 5, mode: str = "hybrid") -> list[Hit]:
        return [_hit(self.dense)]


class _NoModel:
    name = "none"

    def stream(self, messages: object, *, max_tokens: int, stop: list[str]) -> Any:
        raise AssertionError("a question about the article needs no generator")


def test_answer_question_answers_from_the_metadata_without_the_model() -> None:
    streamed: list[str] = []
    answer = answer_question(
        "When was the PLVN article published?",
        retriever=_Retriever(),  # type: ignore[arg-type]
        generator=_NoModel(),  # type: ignore[arg-type]
        settings=Settings(),
        on_token=streamed.append,
    )
    assert not answer.abstained
    assert answer.answer == "The article was published on 16 November 2025 on baophapluat.vn [1]."
    assert streamed == [answer.answer]
    assert [c.doc_id for c in answer.citations] == ["plvn"]
    assert any(c.startswith("metadata:") for c in answer.checks)


def test_an_off_topic_question_about_an_article_still_abstains() -> None:
    class Model(_NoModel):
        def stream(self, messages: object, *, max_tokens: int, stop: list[str]) -> Any:
            yield "unused"

    answer = answer_question(
        "When was the PLVN article published?",
        retriever=_Retriever(dense=0.70),  # type: ignore[arg-type]
        generator=Model(),  # type: ignore[arg-type]
        settings=Settings(),
    )
    assert answer.abstained

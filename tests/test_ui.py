"""The chat's HTML: linked [n] markers, highlighted passages, escaping, API payloads, panels."""

from __future__ import annotations

import re

import pytest

from rag.errors import InputError
from rag.types import Answer, Chunk, Citation, Hit
from rag.ui import (
    LABELS,
    anchor_id,
    answer_payload,
    display_title,
    highlight,
    label,
    link_markers,
    parse_history,
    render_answer,
    render_error,
    render_streaming,
    safe_url,
    short_model_name,
    source_label,
)
from rag.ui_render import (
    render_article,
    render_articles,
    render_eval_summary,
    render_notice,
    render_trace,
)

PASSAGE = "Pusat ini dibuka di Hanoi. Australia menyediakan dana awal AUD 2,1 juta. Nokia memberi alat."
QUOTE = "Australia menyediakan dana awal AUD 2,1 juta."
CHUNK = Chunk("doc#3", "doc", 3, PASSAGE, start=100, end=100 + len(PASSAGE), source_url="https://a.vn/x")
CITATION = Citation(
    1,
    "doc",
    "doc#3",
    "https://a.vn/x",
    QUOTE,
    start=100 + PASSAGE.index(QUOTE),
    end=100 + PASSAGE.index(QUOTE) + len(QUOTE),
)
HIT = Hit(
    CHUNK, score=0.0328, rank=1, dense_score=0.866, lexical_score=6.96, dense_rank=1, lexical_rank=2,
    sentence_score=0.912, sentence_rank=3,
)  # fmt: skip


def answer(**changes: object) -> Answer:
    base: dict[str, object] = {
        "question": "Berapa dana awal Australia?",
        "answer": "Australia menyediakan dana awal AUD 2,1 juta [1].",
        "abstained": False,
        "lang": "id",
        "citations": (CITATION,),
        "hits": (HIT,),
        "query": "Berapa dana awal Australia?",
        "prompt": "<system>\nRules <b>here</b>",
        "checks": (
            "pass [1]: 'Australia…' (overlap 1.00)",
            "fail [2]: dropped",
            "retrieval: best dense score 0.87",
        ),
        "timings": {"retrieval_ms": 12.5, "total_s": 0.4},
        "models": {"generator": "extractive", "embedder": "e5"},
    }
    base.update(changes)
    return Answer(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "cited", "expected"),
    [
        (
            "Dana AUD 2,1 juta [1].",
            {1},
            'Dana AUD 2,1 juta<a class="rag-cite" href="#rag-u-1" title="[1]">1</a>.',
        ),
        (
            "A [1][2].",
            {1, 2},
            'A<a class="rag-cite" href="#rag-u-1" title="[1]">1</a>'
            '<a class="rag-cite" href="#rag-u-2" title="[2]">2</a>.',
        ),
        (
            "A [1, 2].",
            {2},
            'A<sup class="rag-n">[1]</sup><a class="rag-cite" href="#rag-u-2" title="[2]">2</a>.',
        ),
        ("No marker.", set(), "No marker."),
        (
            "<script>x</script> [1]",
            {1},
            '&lt;script&gt;x&lt;/script&gt;<a class="rag-cite" href="#rag-u-1" title="[1]">1</a>',
        ),
    ],
)
def test_link_markers(text: str, cited: set[int], expected: str) -> None:
    assert link_markers(text, "u", cited) == expected


def test_highlight_marks_the_quote_at_its_offsets() -> None:
    html = highlight(PASSAGE, CHUNK.start, CITATION)
    assert f"<mark>{QUOTE}</mark>" in html
    assert re.sub(r"</?mark>", "", html) == PASSAGE


def test_highlight_finds_the_quote_when_offsets_are_off() -> None:
    moved = Citation(1, "doc", "doc#3", "", QUOTE, start=0, end=5)
    assert f"<mark>{QUOTE}</mark>" in highlight(PASSAGE, CHUNK.start, moved)


def test_highlight_shows_a_quote_missing_from_the_passage_on_its_own() -> None:
    lost = Citation(1, "doc", "doc#3", "", "Kalimat <lain>.", start=0, end=5)
    assert highlight(PASSAGE, CHUNK.start, lost) == "<mark>Kalimat &lt;lain&gt;.</mark>"


def test_highlight_escapes_passage_html_and_keeps_line_breaks() -> None:
    passage = "Baris <script>alert(1)</script>\nKutipan & sumber."
    quote = "Kutipan & sumber."
    cite = Citation(1, "d", "d#0", "", quote, start=passage.index(quote), end=len(passage))
    html = highlight(passage, 0, cite)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.endswith("<br><mark>Kutipan &amp; sumber.</mark>")


def test_answer_links_every_marker_to_a_source_with_the_highlight() -> None:
    html = render_answer(answer(), "abc", "id", {"doc": "Judul artikel"})
    targets = re.findall(r'class="rag-cite" href="#([^"]+)"', html)
    ids = re.findall(r'<details class="rag-src" id="([^"]+)"', html)
    assert targets == ids == [anchor_id("abc", 1)]
    assert f"<mark>{QUOTE}</mark>" in html and "Judul artikel" in html and "a.vn" in html
    assert 'href="https://a.vn/x" target="_blank" rel="noopener noreferrer"' in html
    assert "rag-abstain" not in html


def test_an_answer_listing_quotes_keeps_one_line_each() -> None:
    listed = "Artikel-artikel ini menyebutnya di 2 tempat:\n- Kalimat satu [1].\n- Kalimat <dua> [1]."
    html = render_answer(answer(answer=listed), "u", "id", {})
    assert "tempat:<br>- Kalimat satu" in html and "<br>- Kalimat &lt;dua&gt;" in html


def test_abstention_looks_different_from_an_answer() -> None:
    html = render_answer(
        answer(abstained=True, answer="Artikel-artikel ini tidak menyebutkan hal tersebut."), "u", "en", {}
    )
    assert 'class="rag-abstain"' in html and "rag-cite" not in html
    assert label("en", "abstain_title") in html


def test_error_and_streaming_are_escaped() -> None:
    assert "&lt;b&gt;" in render_error("model <b>failed</b>", "id")
    assert "&lt;img" in render_streaming("<img src=x onerror=alert(1)>", "id")
    assert label("id", "thinking") in render_streaming("", "id")


def test_a_javascript_source_url_is_not_linked() -> None:
    bad = Citation(1, "doc", "doc#3", "javascript:alert(1)", QUOTE, 0, 0)
    html = render_answer(answer(citations=(bad,)), "u", "id", {})
    assert "javascript:" not in html and "rag-out" not in html
    assert safe_url("https://x.vn/a") == "https://x.vn/a" and safe_url("data:text/html,x") == ""


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Judul", "Teks", "Judul"),
        (
            "",
            "Gambaran umum sesi kerja.\nBerbicara pada pertemuan tersebut, Wakil Menteri menegaskan",
            "Berbicara pada",
        ),
        ("", "Pendek.", "Pendek."),
        ("", "", "doc"),
        ("", "kata " * 40, "kata kata"),
    ],
)
def test_display_title(title: str, text: str, expected: str) -> None:
    shown = display_title(title, text, "doc")
    assert shown.startswith(expected) and len(shown) <= 91


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        (None, []),
        ("", []),
        ('[["Siapa?", "Dia [1]."]]', [("Siapa?", "Dia [1].")]),
        ('[{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]', [("Q", "A")]),
        ([["Q", "A"]], [("Q", "A")]),
    ],
)
def test_parse_history(raw: object, pairs: list[tuple[str, str]]) -> None:
    assert parse_history(raw) == pairs  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["{not json", '{"q": "a"}', '[["only one"]]', "[1, 2]"])
def test_parse_history_refuses_bad_input(raw: str) -> None:
    with pytest.raises(InputError, match="history"):
        parse_history(raw)


def test_answer_payload_is_plain_json() -> None:
    payload = answer_payload(answer(), {"doc": "Judul"})
    assert payload["answer"].endswith("[1].") and payload["abstained"] is False and payload["lang"] == "id"
    assert payload["citations"] == [
        {
            "n": 1,
            "doc_id": "doc",
            "chunk_id": "doc#3",
            "title": "Judul",
            "source_url": "https://a.vn/x",
            "quote": QUOTE,
            "start": CITATION.start,
            "end": CITATION.end,
        }
    ]


def test_trace_shows_query_scores_prompt_checks_timings_and_models() -> None:
    html = render_trace(answer(query="dana awal Australia AVSTC"), "en", index_id="2025/abc")
    for part in (
        "dana awal Australia AVSTC",
        "0.866",
        '0.912 <span class="rag-rank">#3</span>',
        "6.96",
        "0.0328",
        "Best sentence (cosine)",
        "retrieval_ms",
        "extractive",
        "2025/abc",
    ):
        assert part in html
    assert "&lt;b&gt;here&lt;/b&gt;" in html  # the prompt is shown as text
    assert html.count('class="rag-check-pass"') == 1 and html.count('class="rag-check-fail"') == 1
    assert 'class="rag-tag"' in html  # the cited passage is marked


def test_trace_of_an_abstention_before_generation_says_the_model_was_not_called() -> None:
    html = render_trace(answer(prompt="", abstained=True, citations=()), "id")
    assert "Model tidak dipanggil (jawaban ditolak" in html


def test_trace_of_an_answer_from_the_article_details_says_so() -> None:
    html = render_trace(answer(prompt="", abstained=False), "en")
    assert "answered from the article" in html and "abstained before generation" not in html


def test_trace_of_a_spelled_out_abbreviation_says_where_it_came_from() -> None:
    checks = ("abbreviation: 'PTIT' is spelled out in d#0; answered from that sentence",)
    html = render_trace(answer(prompt="", abstained=False, checks=checks), "en")
    assert "the sentence that spells it out" in html and "article's details" not in html


def test_articles_and_article_text_are_escaped() -> None:
    rows = [
        {
            "doc_id": "x<1>",
            "display_title": "<script>alert(1)</script>",
            "source_url": "javascript:x",
            "chunks": 2,
        }
    ]
    table = render_articles(rows, "en")
    assert "<script>" not in table and "&lt;script&gt;" in table and "javascript:" not in table
    page = render_article(
        "Judul", "https://a.vn/x", "2025-01-02", 'Judul\n<img src=x onerror="alert(1)"> teks'
    )
    assert "<img" not in page and "&lt;img" in page and page.count("Judul") == 1
    assert "&lt;b&gt;" in render_notice("<b>", ok=False)


def test_eval_summary_tables() -> None:
    retrieval = {"doc_recall@1": 0.9, "mrr": 0.95}
    summary = {
        "n": 3,
        "n_answerable": 2,
        "mode": "hybrid",
        "retrieval": retrieval,
        "retrieval_by_mode": {"hybrid": retrieval, "dense": {"doc_recall@1": 0.8, "mrr": 0.9}},
    }
    html = render_eval_summary(summary, "en")
    assert "doc_recall@1" in html and "0.950" in html and "dense" in html and "Answers" not in html
    indonesian = render_eval_summary(summary, "id")
    assert "pertanyaan" in indonesian and "Pencarian (mode utama: hybrid)" in indonesian
    assert "questions" not in indonesian
    full = {
        **summary,
        "answers": {"accuracy": 0.5, "errors": 0},
        "by_lang": {"en": {"accuracy": 1.0}},
        "latency": {"answer_s_p50": 1.2},
        "generator": "extractive",
    }
    assert "accuracy (en)" in render_eval_summary(full) and "answer_s_p50" in render_eval_summary(full)


def test_both_interface_languages_have_every_label() -> None:
    assert LABELS["id"].keys() == LABELS["en"].keys()
    assert label("xx", "send") == label("id", "send")


@pytest.mark.parametrize(
    ("url", "date", "expected"),
    [
        ("https://www.mst.gov.vn/a.htm", "2025-10-16", "mst.gov.vn · 2025-10-16"),
        ("https://baophapluat.vn/x", "", "baophapluat.vn"),
        ("javascript:alert(1)", "2025-01-01", "2025-01-01"),
        ("", "", ""),
    ],
)
def test_source_label(url: str, date: str, expected: str) -> None:
    assert source_label(url, date) == expected


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("llama-cpp:qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "qwen2.5-coder-1.5b"),
        ("transformers:/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "qwen2.5-coder-0.5b"),
        ("extractive", "extractive"),
        ("openai:local", "local"),
    ],
)
def test_short_model_name(name: str, short: str) -> None:
    assert short_model_name(name) == short

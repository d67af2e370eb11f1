"""What the chat shows: interface labels, answers with clickable [n] citations, passages, API payloads.

Pure functions from pipeline values to HTML strings. Article and model text is always escaped:
an article that contains <script> is shown as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import urlparse

from rag.errors import InputError
from rag.types import Answer, Citation, Hit

UI_LANGS = {"Bahasa Indonesia": "id", "English": "en"}
DEFAULT_UI_LANG = "id"
# One click away on the chat tab: (language tag, question), answerable from the bundled articles.
EXAMPLES = (
    ("ID", "Berapa dana awal yang disediakan Australia untuk AVSTC?"),
    ("ID", "Apa target Vietnam untuk tahun 2045?"),
    ("EN", "Which US company opened a new AI R&D centre in Vietnam in June?"),
    ("VI", "Ai là Đại sứ Hàn Quốc tại Việt Nam?"),
)
# Interface texts: key -> (Indonesian, English).
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Tanya Jawab Kebijakan AI Vietnam", "Vietnam AI Policy Q&A"),
    "subtitle": (
        "Jawaban singkat dari berita berbahasa Indonesia, dengan sumber yang dapat diklik.",
        "Short answers from Indonesian news articles, with clickable sources.",
    ),
    "tab_chat": ("Tanya jawab", "Ask"),
    "tab_articles": ("Artikel", "Articles"),
    "tab_eval": ("Evaluasi", "Evaluation"),
    "question": ("Pertanyaan", "Question"),
    "placeholder": (
        "Tulis pertanyaan (Indonesia, English, Tiếng Việt)…",
        "Type a question (Indonesian, English, Vietnamese)…",
    ),
    "send": ("Kirim", "Send"),
    "clear": ("Percakapan baru", "New conversation"),
    "examples": ("Contoh pertanyaan", "Example questions"),
    "empty_hint": ("Tulis pertanyaan terlebih dahulu.", "Type a question first."),
    "sources": ("Sumber", "Sources"),
    "open_source": ("Buka artikel asli", "Open original article"),
    "passage": ("Kutipan", "Passage"),
    "abstain_title": ("Tidak ditemukan dalam artikel", "Not found in the articles"),
    "abstain_hint": (
        "Coba tanyakan dengan kata lain, atau lihat tab Artikel untuk topik yang tersedia.",
        "Try other words, or see the Articles tab for the topics covered.",
    ),
    "error_title": ("Jawaban gagal dibuat", "The answer could not be made"),
    "error_hint": (
        "Aplikasi tetap berjalan; silakan coba lagi.",
        "The app is still running; please try again.",
    ),
    "thinking": ("Mencari di artikel…", "Searching the articles…"),
    "trace": ("Bagaimana jawaban ini dibuat", "How this answer was made"),
    "trace_empty": (
        "Ajukan pertanyaan untuk melihat prosesnya.",
        "Ask a question to see how it is answered.",
    ),
    "feedback_prompt": (
        "Nilai jawaban dengan tombol jempol di bawahnya; lalu komentar bisa ditambahkan.",
        "Rate an answer with the thumbs below it; you can then add a comment.",
    ),
    "comment": ("Komentar untuk jawaban yang dinilai", "Comment on the rated answer"),
    "send_comment": ("Kirim komentar", "Send comment"),
    "export": ("Unduh umpan balik (CSV)", "Download feedback (CSV)"),
    "thanks": ("Terima kasih, penilaian disimpan.", "Thank you, your rating is saved."),
    "comment_saved": ("Komentar disimpan.", "Comment saved."),
    "rate_first": (
        "Nilai sebuah jawaban dengan tombol jempol dulu.",
        "Rate an answer with the thumbs first.",
    ),
    "not_rateable": ("Hanya jawaban yang dapat dinilai.", "Only answers can be rated."),
    "status_loading": ("Memuat model…", "Loading models…"),
    "status_ready": ("Siap", "Ready"),
    "articles_n": ("artikel", "articles"),
    "articles_list": ("Artikel dalam indeks", "Indexed articles"),
    "view_article": ("Lihat artikel", "View an article"),
    "add_heading": ("Tambah artikel", "Add an article"),
    "add_name": ("Judul atau nama file", "Title or file name"),
    "add_url": ("URL sumber (opsional)", "Source URL (optional)"),
    "add_text": ("Teks artikel", "Article text"),
    "add_file": ("…atau unggah file .txt / .md", "…or upload a .txt / .md file"),
    "add_button": ("Tambahkan ke indeks", "Add to the index"),
    "add_need_text": (
        "Tempel teks artikel atau pilih file .txt / .md.",
        "Paste the article's text or choose a .txt / .md file.",
    ),
    "add_need_name": (
        "Isi judul atau nama file untuk teks yang ditempel.",
        "Give a title or file name for the pasted text.",
    ),
    "added": (
        "Artikel '{doc_id}' ditambahkan ({chunks} potongan baru, {total} potongan di indeks). "
        "Pertanyaan baru langsung memakainya.",
        "Article '{doc_id}' added ({chunks} new chunks, {total} chunks in the index). "
        "New questions use it at once.",
    ),
    "eval_heading": ("Jalankan set evaluasi", "Run an eval set"),
    "eval_dataset": ("Set evaluasi", "Eval set"),
    "eval_bundled": ("evals/dev.jsonl (bawaan)", "evals/dev.jsonl (bundled)"),
    "eval_upload": ("Unggah JSONL (skema yang sama)", "Upload a JSONL (same schema)"),
    "eval_file": ("File JSONL", "JSONL file"),
    "eval_kind": ("Jenis evaluasi", "Kind of run"),
    "eval_fast": ("Hanya pencarian (cepat)", "Retrieval only (fast)"),
    "eval_full": ("Jawaban lengkap (lambat)", "Full answers (slow)"),
    "eval_mode": ("Mode pencarian", "Retrieval mode"),
    "eval_run": ("Jalankan evaluasi", "Run the eval"),
    "eval_need_file": ("Unggah file JSONL terlebih dahulu.", "Upload a JSONL file first."),
    "eval_done": ("Selesai: {n} pertanyaan dalam {s:.1f} detik.", "Done: {n} questions in {s:.1f} s."),
    "eval_answering": ("Menjawab pertanyaan", "Answering questions"),
    "eval_searching": ("Mengukur pencarian…", "Measuring retrieval…"),
    "download_report": ("Unduh report.html", "Download report.html"),
    "download_questions": ("Unduh questions.jsonl", "Download questions.jsonl"),
}
LABELS = {lang: {key: pair[i] for key, pair in TEXTS.items()} for i, lang in enumerate(("id", "en"))}
MARKER_RE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
TITLE_FALLBACK_CHARS = 90
MIN_OPENING_WORDS = 6  # a shorter first line is usually a photo caption ("Gambaran umum sesi kerja.")


def label(lang: str, key: str) -> str:
    """The interface text of `key` in `lang` (Indonesian when the language is unknown)."""
    return LABELS.get(lang, LABELS[DEFAULT_UI_LANG])[key]


def domain(url: str) -> str:
    """The host name of a URL without 'www.', or '' when there is none."""
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.")


def display_title(title: str, text: str, doc_id: str) -> str:
    """The article's title, else its opening words (skipping a short photo caption), else its id."""
    if title.strip():
        return title.strip()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    long_lines = [line for line in lines if len(line.split()) >= MIN_OPENING_WORDS]
    first = (long_lines or lines or [""])[0]
    if not first:
        return doc_id
    return (
        first if len(first) <= TITLE_FALLBACK_CHARS else first[:TITLE_FALLBACK_CHARS].rsplit(" ", 1)[0] + "…"
    )


def source_label(source_url: str, date: str) -> str:
    """How a citation names an untitled article: "mst.gov.vn · 2025-10-16" (or "" without a source)."""
    return " · ".join(part for part in (domain(safe_url(source_url)), date) if part)


def short_model_name(name: str) -> str:
    """A short model name for the status line: "qwen2.5-coder-1.5b" for its llama-cpp GGUF file."""
    model = name.rsplit(":", 1)[-1].rsplit("/", 1)[-1].removesuffix(".gguf")
    return re.sub(r"-(instruct|chat)\b.*$|-q\d\w*$", "", model, flags=re.IGNORECASE) or name


def safe_url(url: str) -> str:
    """The URL when it is http(s), else '' (a javascript: link must never become clickable)."""
    return url if urlparse(url).scheme in ("http", "https") else ""


def anchor_id(uid: str, n: int) -> str:
    """The element id of citation n of answer uid (unique in the page)."""
    return f"rag-{re.sub(r'[^A-Za-z0-9_-]', '', uid)}-{n}"


def link_markers(text: str, uid: str, cited: set[int]) -> str:
    """Escape an answer and turn each cited [n] into a small link to its passage."""
    out, last = [], 0
    for match in MARKER_RE.finditer(text):
        out.append(escape(text[last : match.start()].rstrip()))
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        out.append("".join(_marker(n, uid, n in cited) for n in numbers))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _marker(n: int, uid: str, linked: bool) -> str:
    if not linked:
        return f'<sup class="rag-n">[{n}]</sup>'
    return f'<a class="rag-cite" href="#{anchor_id(uid, n)}" title="[{n}]">{n}</a>'


def highlight(passage: str, passage_start: int, citation: Citation) -> str:
    """The passage, escaped, with the cited sentence inside <mark>."""
    start, end = citation.start - passage_start, citation.end - passage_start
    if not (0 <= start < end <= len(passage) and passage[start:end] == citation.quote):
        found = passage.find(citation.quote) if citation.quote else -1
        if found < 0:  # the quote is not in this passage: show it on its own
            return f"<mark>{escape(citation.quote)}</mark>"
        start, end = found, found + len(citation.quote)
    before, quote, after = passage[:start], passage[start:end], passage[end:]
    return _lines(f"{escape(before)}<mark>{escape(quote)}</mark>{escape(after)}")


def _lines(html: str) -> str:
    """Line breaks of escaped text as <br> (the chat's Markdown would otherwise join the lines)."""
    return html.strip().replace("\n", "<br>")


def render_source(citation: Citation, hits: tuple[Hit, ...], uid: str, title: str, lang: str) -> str:
    """One collapsible source: number, title, site, the passage with its highlighted sentence, a link."""
    hit = next((h for h in hits if h.chunk.chunk_id == citation.chunk_id), None)
    body = (
        highlight(hit.chunk.text, hit.chunk.start, citation)
        if hit
        else f"<mark>{escape(citation.quote)}</mark>"
    )
    url = safe_url(citation.source_url)
    site = f'<span class="rag-site">{escape(domain(url))}</span>' if url and domain(url) not in title else ""
    link = (
        f'<a class="rag-out" href="{escape(url)}" target="_blank" rel="noopener noreferrer">'
        f"{escape(label(lang, 'open_source'))} ↗</a>"
        if url
        else ""
    )
    return (
        f'<details class="rag-src" id="{anchor_id(uid, citation.n)}"><summary><span class="rag-badge">'
        f'{citation.n}</span><span class="rag-src-title">{escape(title)}</span>{site}</summary>'
        f'<blockquote class="rag-passage">{body}</blockquote>{link}</details>'
    )


def render_answer(answer: Answer, uid: str, lang: str, titles: Mapping[str, str]) -> str:
    """The final chat message: the answer with linked [n], then its sources; or the abstention box."""
    if answer.abstained:
        return render_abstention(answer.answer, lang)
    cited = {c.n for c in answer.citations}
    text = f'<p class="rag-text">{link_markers(answer.answer, uid, cited)}</p>'
    sources = "".join(
        render_source(c, answer.hits, uid, c.title or titles.get(c.doc_id, c.doc_id), lang)
        for c in answer.citations
    )
    head = f'<div class="rag-sources-head">{escape(label(lang, "sources"))}</div>' if sources else ""
    return f'<div class="rag-answer">{text}<div class="rag-sources">{head}{sources}</div></div>'


def render_abstention(text: str, lang: str) -> str:
    """An amber box with an icon: the articles do not answer the question."""
    return (
        '<div class="rag-abstain"><span class="rag-icon" aria-hidden="true">⚠</span><div>'
        f'<div class="rag-box-title">{escape(label(lang, "abstain_title"))}</div>'
        f'<p>{escape(text)}</p><p class="rag-hint">{escape(label(lang, "abstain_hint"))}</p></div></div>'
    )


def render_error(message: str, lang: str) -> str:
    """A red box: the answer failed, with the error's message (which says how to fix it)."""
    return (
        '<div class="rag-error"><span class="rag-icon" aria-hidden="true">✖</span><div>'
        f'<div class="rag-box-title">{escape(label(lang, "error_title"))}</div>'
        f'<p>{escape(message)}</p><p class="rag-hint">{escape(label(lang, "error_hint"))}</p></div></div>'
    )


def render_streaming(text: str, lang: str) -> str:
    """The model's raw reply while it streams (checked and linked once it is complete)."""
    if not text.strip():
        return f'<div class="rag-streaming rag-wait">{escape(label(lang, "thinking"))}</div>'
    return f'<div class="rag-streaming">{escape(text)}<span class="rag-caret">▍</span></div>'


def citation_payload(citation: Citation, title: str) -> dict[str, Any]:
    """A citation as JSON for the API and the feedback table."""
    return {
        "n": citation.n, "doc_id": citation.doc_id, "chunk_id": citation.chunk_id,
        "title": citation.title or title, "source_url": citation.source_url, "quote": citation.quote,
        "start": citation.start, "end": citation.end,
    }  # fmt: skip


def answer_payload(answer: Answer, titles: Mapping[str, str]) -> dict[str, Any]:
    """What the `ask` API returns."""
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "lang": answer.lang,
        "citations": [citation_payload(c, titles.get(c.doc_id, "")) for c in answer.citations],
    }


def parse_history(raw: str | list[Any] | None) -> list[tuple[str, str]]:
    """Conversation history from JSON: [[question, answer], ...] or [{"role", "content"}, ...]."""
    if raw is None or raw == "":
        return []
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise InputError(
            f"history is not valid JSON ({exc.msg}): send a list of [question, answer] pairs"
        ) from None
    if not isinstance(data, list):
        raise InputError("history must be a JSON list of [question, answer] pairs")
    pairs: list[tuple[str, str]] = []
    for item in data:
        if isinstance(item, dict) and item.get("role") == "user":
            pairs.append((str(item.get("content", "")), ""))
        elif isinstance(item, dict) and item.get("role") == "assistant" and pairs:
            pairs[-1] = (pairs[-1][0], str(item.get("content", "")))
        elif isinstance(item, list | tuple) and len(item) == 2 and all(isinstance(s, str) for s in item):
            pairs.append((item[0], item[1]))
        else:
            raise InputError("history items must be [question, answer] pairs or {role, content} messages")
    return pairs

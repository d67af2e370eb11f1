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
from rag.ui_text import DEFAULT_UI_LANG, EXAMPLES, LABELS, TEXTS, UI_LANGS  # noqa: F401 - re-exported

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
    text = f'<p class="rag-text">{_lines(link_markers(answer.answer, uid, cited))}</p>'
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

"""The articles tab: the indexed articles, one article shown as text, and adding an article."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import InputError, RagError
from rag.ui import DEFAULT_UI_LANG, label
from rag.ui_render import render_article, render_articles, render_notice
from rag.ui_service import MODEL, ChatService, ui_lang_of

ARTICLE_SUFFIXES = (".txt", ".md")
SLUG_CHARS = 60


def articles_tab(service: ChatService, ui: dict[str, Any]) -> None:
    """The article list, one article as text, and the form that adds an article to the index."""
    lang = DEFAULT_UI_LANG
    with gr.Row():
        with gr.Column(scale=3):
            ui["articles_list"] = gr.Markdown(f"### {label(lang, 'articles_list')}")
            ui["articles"] = articles = gr.HTML("", elem_id="rag-articles")
            ui["view_article"] = view = gr.Dropdown(label=label(lang, "view_article"), choices=[], value=None)
            ui["article"] = article = gr.HTML("", elem_id="rag-article")
        with gr.Column(scale=2):
            ui["add_heading"] = gr.Markdown(f"### {label(lang, 'add_heading')}")
            ui["add_name"] = name = gr.Textbox(label=label(lang, "add_name"), max_lines=1)
            ui["add_url"] = url = gr.Textbox(label=label(lang, "add_url"), max_lines=1)
            ui["add_text"] = text = gr.Textbox(label=label(lang, "add_text"), lines=8, max_lines=16)
            ui["add_file"] = upload = gr.File(
                label=label(lang, "add_file"), file_types=list(ARTICLE_SUFFIXES), type="filepath"
            )
            ui["add_button"] = add = gr.Button(label(lang, "add_button"), variant="primary")
            notice = gr.HTML("", elem_id="rag-add-notice")

    def listing(choice: str, selected: str | None = None) -> tuple[str, Any]:
        rows = [
            {**row, "display_title": service.titles().get(row["doc_id"], row["doc_id"])}
            for row in service.pipeline.documents()
        ]
        choices = [(f"{r['display_title']} ({r['doc_id']})", r["doc_id"]) for r in rows]
        return render_articles(rows, ui_lang_of(choice)), gr.Dropdown(choices=choices, value=selected)

    def show(doc_id: str | None):
        doc = service.pipeline.document(doc_id) if doc_id else None
        if doc is None:
            return ""
        return render_article(
            service.titles().get(doc.doc_id, doc.doc_id), doc.source_url, doc.date, doc.text
        )

    def add_article(title: str, source: str, body: str, path: str | None, choice: str):
        lang = ui_lang_of(choice)
        try:
            filename, data = article_upload(
                title, source, body, path, lang, service.pipeline.settings.max_upload_bytes
            )
            doc_id, report = service.pipeline.add_article(filename, data)
        except RagError as exc:
            gr.Warning(str(exc))
            return (render_notice(str(exc), ok=False), *([gr.skip()] * 7))
        service.refresh_titles()
        message = label(lang, "added").format(
            doc_id=doc_id, chunks=report.embedded_chunks, total=report.total_chunks
        )
        table, dropdown = listing(choice, doc_id)
        cleared = ("", "", "", None)  # the form, ready for the next article
        return render_notice(message, ok=True), table, dropdown, *cleared, service.status(lang)

    ui["articles_refresh"] = (listing, [articles, view])
    view.change(show, view, article, api_visibility="private")
    add.click(
        add_article,
        [name, url, text, upload, ui["ui_lang"]],
        [notice, articles, view, name, url, text, upload, ui["status"]],
        api_visibility="private",
        concurrency_id=MODEL,
        concurrency_limit=1,
    )


def article_upload(
    title: str, source: str, body: str, path: str | None, lang: str, limit: int
) -> tuple[str, bytes]:
    """The file name and bytes of an uploaded file, or of pasted text with its title and source line."""
    if path:
        file = Path(path)
        if file.suffix.lower() not in ARTICLE_SUFFIXES:
            raise InputError(
                f"only .txt and .md articles can be added, not {file.suffix or 'a file without suffix'}"
            )
        if file.stat().st_size > limit:
            raise InputError(f"the article is {file.stat().st_size:,} bytes; the limit is {limit:,}")
        return file.name, file.read_bytes()
    if not (body or "").strip():
        raise InputError(label(lang, "add_need_text"))
    title = (title or "").strip()
    if not title:
        raise InputError(label(lang, "add_need_name"))
    if title.lower().endswith(ARTICLE_SUFFIXES):
        filename, heading = title, ""
    else:
        filename, heading = f"{_slug(title)}.txt", title
    lines = [heading] if heading and not body.lstrip().startswith(heading) else []
    lines.append(body.strip())
    if (source or "").strip():
        lines.append(f"Sumber: {source.strip()}")
    return filename, ("\n".join(lines) + "\n").encode("utf-8")


def _slug(title: str) -> str:
    """A file name from a title in ASCII letters, digits and dashes ("Kerja sama AI" -> "Kerja-sama-AI")."""
    plain = re.sub(r"<[^>]*>", " ", title).replace("Đ", "D").replace("đ", "d")  # tags are not part of a name
    # Each character on its own: accents go ("à" -> "a"), other symbols become a separator ("–" -> "-").
    ascii_title = "".join(
        unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode() or "-" for c in plain
    )
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-")[:SLUG_CHARS] or "artikel"

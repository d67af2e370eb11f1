"""The page header (title, interface language, status line) and relabelling when the language changes."""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.ui import DEFAULT_UI_LANG, UI_LANGS, label
from rag.ui_ask import examples_label, muted
from rag.ui_eval import radio_choices
from rag.ui_service import ChatService, ui_lang_of


def header(service: ChatService) -> dict[str, Any]:
    """The title, the interface-language switch and the status line (refreshed until the models load)."""
    lang = DEFAULT_UI_LANG
    with gr.Row(equal_height=True):
        with gr.Column(scale=4):
            title = gr.HTML(_title_html(lang))
        with gr.Column(scale=1, min_width=330):
            ui_lang = gr.Radio(list(UI_LANGS), value="Bahasa Indonesia", show_label=False, container=False)
            status = gr.HTML(service.status(lang))
    timer = gr.Timer(1.0)
    timer.tick(
        lambda choice: (service.status(ui_lang_of(choice)), gr.Timer(active=not service.ready.is_set())),
        ui_lang,
        [status, timer],
        api_visibility="private",
        show_progress="hidden",
    )
    return {"ui_lang": ui_lang, "title": title, "status": status, "service": service}


def _title_html(lang: str) -> str:
    heading = f"<h1>{label(lang, 'title')}</h1><p>{label(lang, 'subtitle')}</p>"
    return f'<div id="rag-header"><div>{heading}</div></div>'


# Components whose label, value (buttons, headings) or choices follow the interface language.
# (A DownloadButton's value is its file: its text is its label.)
LABELLED: tuple[str, ...] = ("comment", "add_name", "add_url", "add_text", "add_file", "view_article")
LABELLED += ("eval_file", "eval_mode", "export", "download_report", "download_questions")
VALUED = ("send", "clear", "send_comment", "add_button", "eval_run")  # buttons: the value is the text
HEADINGS = ("articles_list", "add_heading", "eval_heading")
TABS = ("tab_chat", "tab_articles", "tab_eval")
CHOICES = {
    "eval_dataset": ("eval_bundled", "eval_upload", ("bundled", "upload")),
    "eval_kind": ("eval_fast", "eval_full", ("retrieval", "full")),
}


def _relabels(ui: dict[str, Any], lang: str) -> dict[Any, Any]:
    """Every language-dependent component with its update for `lang`."""
    updates: dict[Any, Any] = {
        ui["title"]: _title_html(lang),
        ui["status"]: ui["service"].status(lang),
        ui["examples_label"]: examples_label(lang),
        ui["feedback_prompt"]: muted(label(lang, "feedback_prompt")),
        # gr.update, not component constructors: this also runs while the layout is built
        ui["trace_box"]: gr.update(label=label(lang, "trace")),
        ui["chatbot"]: gr.update(placeholder=label(lang, "subtitle")),
        ui["question"]: gr.update(label=label(lang, "question"), placeholder=label(lang, "placeholder")),
    }
    updates |= {ui[k]: gr.update(label=label(lang, k)) for k in LABELLED}
    updates[ui["comment"]] = gr.update(label=label(lang, "comment"), placeholder=label(lang, "comment"))
    updates |= {ui[k]: gr.update(value=label(lang, k)) for k in VALUED}
    updates |= {ui[k]: f"### {label(lang, k)}" for k in HEADINGS}
    updates |= {ui[k]: gr.update(label=label(lang, k)) for k in TABS}
    for key, (first, second, values) in CHOICES.items():
        pairs = radio_choices(lang, first, second, values)
        updates[ui[key]] = gr.update(label=label(lang, key), choices=pairs)
    return updates


def relabel_on_switch(ui: dict[str, Any]) -> None:
    """Switching the interface language relabels every component and re-renders the article list."""
    listing, listing_outputs = ui["articles_refresh"]
    outputs = list(_relabels(ui, DEFAULT_UI_LANG))
    ui["ui_lang"].change(
        lambda choice: _relabels(ui, ui_lang_of(choice)),
        ui["ui_lang"],
        outputs,
        api_visibility="private",
        queue=False,
    )
    ui["ui_lang"].change(listing, ui["ui_lang"], listing_outputs, api_visibility="private")

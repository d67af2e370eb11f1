"""The app's panels as HTML: how an answer was made, the article list, an article, eval summaries.

Every text that comes from an article, a question or a model is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from rag.types import Answer, Hit
from rag.ui import DEFAULT_UI_LANG, domain, label, safe_url

TRACE_TEXT = {
    "id": {"query": "Kueri yang dicari", "question": "Pertanyaan", "lang": "Bahasa jawaban",
           "passages": "Potongan yang ditemukan", "prompt": "Prompt untuk model", "checks": "Pemeriksaan",
           "timings": "Waktu", "models": "Model", "cited": "dikutip", "rank": "Peringkat",
           "passage": "Potongan", "dense": "Dense (cosinus)", "sentence": "Kalimat terbaik (cosinus)",
           "bm25": "BM25", "fused": "Gabungan (RRF)",
           "no_prompt": "Model tidak dipanggil (jawaban ditolak sebelum generasi).",
           "metadata": "Model tidak dipanggil: jawaban dari data artikel (tanggal terbit, situs).",
           "abbreviation": "Model tidak dipanggil: jawaban dari kalimat yang menguraikan singkatan itu."},
    "en": {"query": "Query searched", "question": "Question", "lang": "Answer language",
           "passages": "Retrieved passages", "prompt": "Prompt sent to the model", "checks": "Checks",
           "timings": "Timings", "models": "Models", "cited": "cited", "rank": "Rank",
           "passage": "Passage", "dense": "Dense (cosine)", "sentence": "Best sentence (cosine)",
           "bm25": "BM25", "fused": "Fused (RRF)",
           "no_prompt": "The model was not called (abstained before generation).",
           "metadata": "The model was not called: answered from the article's details (date, site).",
           "abbreviation": "The model was not called: answered from the sentence that spells it out."},
}  # fmt: skip
ARTICLE_TEXT = {
    "id": {"title": "Judul", "source": "Sumber", "date": "Tanggal", "chunks": "Potongan", "id": "ID"},
    "en": {"title": "Title", "source": "Source", "date": "Date", "chunks": "Chunks", "id": "ID"},
}
LANG_NAMES = {"id": "Bahasa Indonesia", "en": "English", "vi": "Tiếng Việt"}


def _t(table: Mapping[str, Mapping[str, str]], lang: str, key: str) -> str:
    return escape(table.get(lang, table["id"])[key])


def _score(value: float | None, rank: int | None, digits: int = 3) -> str:
    """A score with its rank in that list, or a dash when the list did not return the passage."""
    if value is None:
        return '<td class="num">–</td>'
    suffix = f' <span class="rag-rank">#{rank}</span>' if rank else ""
    return f'<td class="num">{value:.{digits}f}{suffix}</td>'


def _passage_row(hit: Hit, cited: set[str], lang: str) -> str:
    chunk = hit.chunk
    tag = f' <span class="rag-tag">{_t(TRACE_TEXT, lang, "cited")}</span>' if chunk.chunk_id in cited else ""
    return (
        f'<tr><td class="num">{hit.rank}</td><td><details><summary><code>{escape(chunk.chunk_id)}</code>{tag}'
        f'</summary><div class="rag-chunk">{escape(chunk.text)}</div></details></td>'
        f"{_score(hit.dense_score, hit.dense_rank)}{_score(hit.sentence_score, hit.sentence_rank)}"
        f"{_score(hit.lexical_score, hit.lexical_rank, 2)}{_score(hit.score, None, 4)}</tr>"
    )


def _check_item(line: str) -> str:
    """A check with a pass/fail icon; other lines (notes) get a neutral dot."""
    state = "pass" if line.startswith("pass") else "fail" if line.startswith("fail") else "note"
    icon = {"pass": "✔", "fail": "✖", "note": "•"}[state]
    return f'<li class="rag-check-{state}"><span aria-hidden="true">{icon}</span> {escape(line)}</li>'


def render_trace(answer: Answer, lang: str, index_id: str = "") -> str:
    """The trainers' panel: query, passages with dense/BM25/fused scores, prompt, checks, timings, models."""
    t = TRACE_TEXT.get(lang, TRACE_TEXT["id"])
    cited = {c.chunk_id for c in answer.citations}
    head = (
        f"<th>{escape(t['rank'])}</th><th>{escape(t['passage'])}</th><th>{escape(t['dense'])}</th>"
        f"<th>{escape(t['sentence'])}</th><th>{escape(t['bm25'])}</th><th>{escape(t['fused'])}</th>"
    )
    rows = "".join(_passage_row(h, cited, lang) for h in answer.hits)
    spelled = any(line.startswith("abbreviation:") for line in answer.checks)
    unprompted = t["no_prompt"] if answer.abstained else t["abbreviation" if spelled else "metadata"]
    prompt = f"<pre>{escape(answer.prompt)}</pre>" if answer.prompt else f"<p>{escape(unprompted)}</p>"
    checks = "".join(_check_item(line) for line in answer.checks)
    timings = "".join(
        f'<tr><td>{escape(k)}</td><td class="num">{v:.3f}</td></tr>' for k, v in answer.timings.items()
    )
    models = {**answer.models, **({"index": index_id} if index_id else {})}
    model_rows = "".join(
        f"<tr><td>{escape(k)}</td><td><code>{escape(v)}</code></td></tr>" for k, v in models.items()
    )
    return (
        '<div class="rag-trace">'
        f"<dl><dt>{escape(t['question'])}</dt><dd>{escape(answer.question)}</dd>"
        f"<dt>{escape(t['query'])}</dt><dd><code>{escape(answer.query or answer.question)}</code></dd>"
        f"<dt>{escape(t['lang'])}</dt><dd>{escape(LANG_NAMES.get(answer.lang, answer.lang))}</dd></dl>"
        f"<h4>{escape(t['passages'])}</h4><table><tr>{head}</tr>{rows}</table>"
        f'<h4>{escape(t["checks"])}</h4><ul class="rag-checks">{checks}</ul>'
        f"<h4>{escape(t['prompt'])}</h4>{prompt}"
        f'<div class="rag-cols"><div><h4>{escape(t["timings"])}</h4><table>{timings}</table></div>'
        f"<div><h4>{escape(t['models'])}</h4><table>{model_rows}</table></div></div></div>"
    )


def render_trace_empty(lang: str) -> str:
    """The trace panel before the first question."""
    return f'<div class="rag-trace rag-muted">{escape(label(lang, "trace_empty"))}</div>'


def render_articles(rows: list[dict[str, Any]], lang: str) -> str:
    """The article list: title, source site (linked), date, number of chunks, id."""
    t = ARTICLE_TEXT.get(lang, ARTICLE_TEXT["id"])
    head = "".join(f"<th>{escape(t[k])}</th>" for k in ("title", "source", "date", "chunks", "id"))
    body = []
    for row in rows:
        url = safe_url(str(row.get("source_url", "")))
        source = (
            f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(domain(url))}</a>'
            if url
            else "–"
        )
        body.append(
            f"<tr><td>{escape(str(row.get('display_title', '')))}</td><td>{source}</td>"
            f"<td>{escape(str(row.get('date', '')) or '–')}</td>"
            f'<td class="num">{int(row.get("chunks", 0))}</td>'
            f"<td><code>{escape(str(row['doc_id']))}</code></td></tr>"
        )
    return f'<table class="rag-articles"><tr>{head}</tr>{"".join(body)}</table>'


def render_article(title: str, source_url: str, date: str, text: str) -> str:
    """One article's cleaned text, escaped, paragraph by paragraph."""
    url = safe_url(source_url)
    link = (
        f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(domain(url))} ↗</a>'
        if url
        else ""
    )
    meta = " · ".join(part for part in (link, escape(date)) if part)
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and lines[0].strip() == title.strip():
        lines = lines[1:]  # the headline is the heading already
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    head = f'<h3>{escape(title)}</h3><div class="rag-meta">{meta}</div>'
    return f'<article class="rag-article">{head}{paragraphs}</article>'


def render_notice(message: str, ok: bool) -> str:
    """An inline success or error message."""
    css, icon = ("rag-ok", "✔") if ok else ("rag-error", "✖")
    icon_html = f'<span class="rag-icon" aria-hidden="true">{icon}</span>'
    return f'<div class="{css}">{icon_html}<div>{escape(message)}</div></div>'


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>'
    return f'<td class="num">{"–" if value is None else escape(str(value))}</td>'


def render_table(rows: Mapping[str, Mapping[str, Any]], first: str) -> str:
    """A metrics table: one row per key, one column per metric."""
    columns = list(dict.fromkeys(c for row in rows.values() for c in row if not isinstance(row[c], dict)))
    head = "".join(f"<th>{escape(c)}</th>" for c in [first, *columns])
    body = "".join(
        f"<tr><td>{escape(name)}</td>{''.join(_cell(row.get(c)) for c in columns)}</tr>"
        for name, row in rows.items()
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render_bars(values: Mapping[str, float | None], top: float = 1.0) -> str:
    """Horizontal bars (CSS widths, no plotting library) for values between 0 and `top`."""
    rows = []
    for name, value in values.items():
        if value is None:
            continue
        width = max(0.0, min(100.0, 100 * value / (top or 1.0)))
        rows.append(
            f'<div class="rag-bar"><span>{escape(name)}</span><div><i style="width:{width:.1f}%"></i></div>'
            f"<b>{value:.3f}</b></div>"
        )
    return f'<div class="rag-bars">{"".join(rows)}</div>'


def render_eval_summary(summary: Mapping[str, Any], lang: str = DEFAULT_UI_LANG) -> str:
    """Retrieval by mode, answers by language, latency; headings in `lang`, metrics named as in the report."""
    counts = label(lang, "eval_counts").format(n=summary.get("n", 0), a=summary.get("n_answerable", 0))
    parts = [f"<p>{counts}</p>"]
    if "answers" in summary:
        langs = {"all": summary["answers"], **summary.get("by_lang", {})}
        parts += [f"<h4>{label(lang, 'eval_answers')}</h4>", render_table(langs, "language")]
        parts.append(render_bars({f"accuracy ({k})": v.get("accuracy") for k, v in langs.items()}))
        latency = render_table({"all": summary.get("latency", {})}, "")
        parts += [f"<h4>{label(lang, 'eval_latency')}</h4>", latency]
        if summary.get("generator"):
            parts.append(f"<p>generator: <code>{escape(str(summary['generator']))}</code></p>")
    by_mode = summary.get("retrieval_by_mode") or {str(summary.get("mode", "")): summary.get("retrieval", {})}
    parts += [
        f"<h4>{label(lang, 'eval_retrieval').format(mode=escape(str(summary.get('mode', ''))))}</h4>",
        render_table(by_mode, "mode"),
    ]
    parts.append(render_bars(summary.get("retrieval", {})))
    return f'<div class="rag-eval">{"".join(parts)}</div>'


APP_CSS = """
:root { --rag-accent: #1d4e89; --rag-amber: #b7791f; }
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#rag-chat .message { font-size: 1.05rem; }
#rag-header { display: flex; align-items: baseline; justify-content: space-between; gap: 1rem;
  flex-wrap: wrap; }
#rag-header h1 { font-size: 1.75rem; margin: 0; color: var(--rag-accent); }
#rag-header p { margin: .2rem 0 0; color: #52606d; }
.rag-status { font-size: .85rem; color: #52606d; white-space: nowrap; }
.rag-status b { color: #2f855a; } .rag-status.loading b { color: var(--rag-amber); }
.rag-answer .rag-text { font-size: 1.18rem; line-height: 1.6; margin: 0 0 .6rem; }
a.rag-cite { display: inline-block; min-width: 1.25em; padding: 0 .3em; margin-left: .15em;
  border-radius: .6em;
  font-size: .68em; line-height: 1.5; vertical-align: super; text-align: center;
  text-decoration: none !important;
  background: var(--rag-accent); color: #fff !important; font-weight: 600; cursor: pointer; }
a.rag-cite:hover { background: #2c6cb0; }
.rag-sources-head { font-size: .8rem; font-weight: 700; letter-spacing: .04em; text-transform: uppercase;
  color: #52606d; margin: .4rem 0 .25rem; }
details.rag-src { border: 1px solid #d9e2ec; border-radius: 8px; margin: .3rem 0; background: #f8fafc; }
details.rag-src > summary { cursor: pointer; padding: .35rem .6rem; display: flex; gap: .5rem;
  align-items: baseline;
  font-size: .95rem; list-style: none; }
details.rag-src[open] { border-color: var(--rag-accent); background: #fff; }
details.rag-src.rag-flash { box-shadow: 0 0 0 3px rgba(29, 78, 137, .35); }
.rag-badge { background: var(--rag-accent); color: #fff; border-radius: .6em; padding: 0 .45em;
  font-size: .8em;
  font-weight: 700; }
.rag-src-title { font-weight: 600; color: #1f2933; }
.rag-site { color: #627d98; font-size: .85em; margin-left: auto; white-space: nowrap; }
#rag-chat blockquote.rag-passage { margin: 0 .6rem .4rem !important; padding: .3rem .7rem !important;
  border-left: 3px solid #bcccdc;
  color: #334e68;
  font-size: .95rem; line-height: 1.55; }
blockquote.rag-passage mark { background: #fde68a; color: #1f2933; padding: 0 .1em; border-radius: 2px; }
a.rag-out { display: inline-block; margin: 0 .6rem .5rem; font-size: .9rem; }
.rag-abstain, .rag-error, .rag-ok { display: flex; gap: .7rem; align-items: flex-start; border-radius: 8px;
  padding: .6rem .8rem; }
.rag-abstain { background: #fff8e6; border: 1px solid #f0c36d; color: #5f4b1a; }
.rag-error { background: #fdecec; border: 1px solid #e8a0a0; color: #7a1f1f; }
.rag-ok { background: #ebf8f0; border: 1px solid #9ad5b0; color: #1c4532; }
.rag-abstain p, .rag-error p { margin: .15rem 0; }
.rag-icon { font-size: 1.4rem; line-height: 1.2; }
.rag-box-title { font-weight: 700; }
.rag-hint { font-size: .88rem; opacity: .85; }
.rag-streaming { font-size: 1.18rem; line-height: 1.6; color: #334e68; }
.rag-wait { color: #829ab1; font-style: italic; }
.rag-caret { animation: rag-blink 1s steps(1) infinite; color: var(--rag-accent); }
@keyframes rag-blink { 50% { opacity: 0; } }
.rag-examples { align-items: center; gap: .4rem; }
.rag-examples-label { font-size: .85rem; font-weight: 600; color: #52606d; white-space: nowrap; }
button.rag-example { font-size: .85rem !important; font-weight: 400 !important; min-width: 0 !important; }
.rag-feedback-row { align-items: center; }
.rag-trace table, .rag-articles, .rag-eval table { border-collapse: collapse; margin: .3rem 0 .8rem;
  width: 100%; }
.rag-trace td, .rag-trace th, .rag-articles td, .rag-articles th, .rag-eval td, .rag-eval th {
  border: 1px solid #d9e2ec; padding: .3rem .5rem; text-align: left; vertical-align: top;
  font-size: .9rem; }
.rag-trace th, .rag-articles th, .rag-eval th { background: #f0f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.rag-rank { color: #829ab1; font-size: .8em; }
.rag-tag { background: #d9f2e3; color: #1c4532; border-radius: 4px; padding: 0 .35em; font-size: .8em; }
.rag-trace pre { white-space: pre-wrap; background: #f5f7fa; padding: .6rem; border-radius: 6px;
  font-size: .82rem;
  max-height: 22rem; overflow: auto; }
.rag-trace dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 .6rem; }
.rag-trace dt { font-weight: 600; color: #52606d; } .rag-trace dd { margin: 0; }
.rag-chunk { font-size: .88rem; color: #334e68; padding: .3rem 0; white-space: pre-line; }
.rag-checks { list-style: none; padding-left: 0; } .rag-checks li { margin: .15rem 0; font-size: .9rem; }
.rag-check-pass span { color: #2f855a; } .rag-check-fail span { color: #c53030;
  } .rag-check-note span { color: #829ab1; }
.rag-cols { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.rag-muted { color: #829ab1; }
.rag-article { max-height: 30rem; overflow: auto; padding: .2rem .6rem;
  } .rag-article p { margin: .4rem 0; }
.rag-meta { color: #627d98; font-size: .9rem; }
.rag-articles td:nth-child(3) { white-space: nowrap; }
.rag-bars { margin: .4rem 0 1rem; } .rag-bar { display: grid; grid-template-columns: 12rem 1fr 4rem;
  gap: .5rem;
  align-items: center; font-size: .88rem; margin: .15rem 0; }
.rag-bar div { background: #eef2f7; height: .9rem; border-radius: 3px; }
.rag-bar i { display: block; height: 100%; background: var(--rag-accent); border-radius: 3px; }
"""
# Citation links open their passage: a click on [n] opens the <details> it points to and scrolls to it.
# One listener on the document, so it also works for messages added later.
CITATION_JS = """
() => {
  document.body.classList.remove('dark');  // the app's colours are made for a light page (projectors)
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.rag-cite');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const target = document.getElementById((link.getAttribute('href') || '').slice(1));
    if (!target) return;
    target.open = true;
    target.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    target.classList.add('rag-flash');
    setTimeout(() => target.classList.remove('rag-flash'), 1600);
  }, true);
}
"""

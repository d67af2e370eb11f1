"""A self-contained HTML report of an eval run: summary tables, SVG plots, every question."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2933;line-height:1.45}
h1{font-size:1.6rem} h2{margin-top:2rem;border-bottom:2px solid #e4e7eb;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0}
td,th{border:1px solid #d3d9df;padding:.3rem .6rem;text-align:left}
th{background:#f0f4f8} td.num{text-align:right;font-variant-numeric:tabular-nums}
.q{border:1px solid #d3d9df;border-radius:6px;padding:.6rem .9rem;margin:.7rem 0}
.ok{border-left:6px solid #3f9142} .bad{border-left:6px solid #c63737} .abst{color:#7b6400}
.meta{color:#52606d;font-size:.85rem} blockquote{margin:.3rem 0 .3rem 1rem;color:#334e68;font-size:.9rem}
"""
GOOD_VERDICTS = ("correct", "correct abstention")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>'
    if value is None:
        return '<td class="num">–</td>'
    return f'<td class="num">{escape(str(value))}</td>'


def _table(rows: dict[str, dict[str, Any]], first: str) -> str:
    """A table with one row per key of `rows` and one column per metric."""
    columns = list(dict.fromkeys(c for row in rows.values() for c in row))
    head = "".join(f"<th>{escape(c)}</th>" for c in [first, *columns])
    body = "".join(
        f"<tr><td>{escape(name)}</td>{''.join(_cell(row.get(c)) for c in columns)}</tr>"
        for name, row in rows.items()
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _bars(values: dict[str, float | None], title: str, unit: str = "", top: float = 1.0) -> str:
    """A horizontal SVG bar chart."""
    rows = [(k, v) for k, v in values.items() if v is not None]
    top = max([top, *(v for _, v in rows)]) or 1.0
    height = 26 * len(rows) + 30
    bars = []
    for i, (label, value) in enumerate(rows):
        y = 24 + 26 * i
        width = 380 * value / top
        bars.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label)}</text>'
            f'<rect x="190" y="{y}" width="{width:.1f}" height="18" fill="#486581"/>'
            f'<text x="{195 + width:.1f}" y="{y + 14}" font-size="12">{value:.2f}{unit}</text>'
        )
    return (
        f'<svg width="640" height="{height}" role="img" aria-label="{escape(title)}">'
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>{"".join(bars)}</svg>'
    )


def _question(record: dict[str, Any]) -> str:
    """One question with its answer, citations and verdict."""
    verdict = record.get("verdict", "retrieval only")
    css = "ok" if verdict in GOOD_VERDICTS else ("bad" if "verdict" in record else "")
    answer = escape(record.get("answer", ""))
    if record.get("abstained"):
        answer = f'<span class="abst">⊘ {answer}</span>'
    quotes = "".join(
        f"<blockquote>[{c['n']}] <b>{escape(c['doc_id'])}</b> ({escape(c['chunk_id'])}): {escape(c['quote'])}"
        "</blockquote>"
        for c in record.get("citations", [])
    )
    retrieved = ", ".join(escape(r["chunk_id"]) for r in record.get("retrieved", []))
    timing = record.get("timings", {}).get("answer_s")
    gold = escape(", ".join(record.get("gold_docs", [])))
    return (
        f'<div class="q {css}"><b>{escape(record["id"])}</b> [{escape(record.get("lang", ""))}] '
        f"{escape(record['question'])}<br>{answer}{quotes}"
        f'<div class="meta">verdict: {escape(verdict)} · gold: {gold}'
        f" · retrieved: {retrieved}{f' · {timing:.2f} s' if timing else ''}</div></div>"
    )


def render_report(summary: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """The report as one HTML page (no external resources)."""
    parts = [
        f"<h1>Eval report</h1><p>{summary['n']} questions, {summary.get('n_answerable', '?')} answerable.</p>"
    ]
    if "answers" in summary:
        langs = {"all": summary["answers"], **summary.get("by_lang", {})}
        parts += ["<h2>Answers</h2>", _table(langs, "language")]
        parts.append(_bars({k: v.get("accuracy") for k, v in langs.items()}, "accuracy by language"))
        parts += ["<h2>Latency</h2>", _table({"p50/p95": summary.get("latency", {})}, "")]
        lat = summary.get("latency", {})
        parts.append(
            _bars(
                {k: lat.get(k) for k in ("first_token_s_p50", "answer_s_p50", "answer_s_p95")},
                "seconds",
                " s",
                0,
            )
        )
    parts += [
        "<h2>Retrieval</h2>",
        _table(summary.get("retrieval_by_mode", {"": summary["retrieval"]}), "mode"),
    ]
    parts.append(_bars(summary["retrieval"], f"retrieval ({summary.get('mode', '')})"))
    parts += ["<h2>Questions</h2>", *(_question(r) for r in records)]
    head = f'<meta charset="utf-8"><title>Eval report</title><style>{STYLE}</style>'
    return f"<!doctype html><html><head>{head}</head><body>{''.join(parts)}</body></html>"


def write_report(summary: dict[str, Any], records: list[dict[str, Any]], path: Path) -> None:
    """Write report.html."""
    path.write_text(render_report(summary, records), encoding="utf-8")

"""Benchmark results as JSON, a Markdown table and a log-log SVG plot of latency against size."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

COLORS = {"flat": "#1f77b4", "hnsw": "#d62728", "ivf": "#2ca02c", "bm25": "#7f7f7f"}


def _fmt(value: Any) -> str:
    return "–" if value is None else str(value)


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    m = results["machine"]
    lines = [f"Measured {m['date']} on {m['cores']} cores, {m['cpu']}, Python {m['python']}.", ""]
    idx = results["index"]
    lines += [
        "| stage | figure |",
        "|---|---|",
        f"| index build ({idx['chunks']} chunks and {idx.get('sentences', 0)} sentences, {idx['embedder']}) "
        f"| {idx['build_s']} s, {idx.get('texts_per_s', idx.get('passages_per_s'))} texts embedded/s |",
    ]
    for mode, row in results["retrieval_ms"].items():
        lines.append(f"| retrieval, {mode} | p50 {row['p50']} ms, p95 {row['p95']} ms |")
    if ans := results.get("answers"):
        lines += [
            f"| first token ({ans['generator']}, {ans['generated']} generated answers) | "
            f"p50 {ans['first_token_s']['p50']} s, p95 {ans['first_token_s']['p95']} s |",
            f"| full answer | p50 {ans['answer_s']['p50']} s, p95 {ans['answer_s']['p95']} s |",
            f"| full answer incl. abstentions ({ans['questions']} questions) | "
            f"p50 {ans['answer_s_all']['p50']} s, p95 {ans['answer_s_all']['p95']} s |",
            f"| peak memory of the serving process | {ans['peak_rss_mb']} MB |",
            *[
                f"| answer stage: {stage} (p50) | {seconds:.3f} s |"
                for stage, seconds in ans.get("profile", {}).items()
                if seconds is not None
            ],
            f"| cold start (process start to first answer) | {ans['cold_start_s']} s |",
        ]
    if scale := results.get("scale"):
        lines += ["", "| passages | index | build s | memory MB | search p50 ms | p95 ms | recall@10 |"]
        lines.append("|---|---|---|---|---|---|---|")
        for n, row in scale.items():
            for kind, f in row["faiss"].items():
                lines.append(
                    f"| {int(n):,} | FAISS {kind} | {f['build_s']} | {f['memory_mb']} | {f['p50_ms']} | "
                    f"{f['p95_ms']} | {f['recall@10']} |"
                )
            if b := row.get("bm25"):
                cells = f"{b['build_s']} | {b['memory_mb']} | {b['p50_ms']} | {b['p95_ms']}"
                lines.append(f"| {int(n):,} | BM25 | {cells} | – |")
    return "\n".join(lines) + "\n"


def _series(scale: dict[str, Any]) -> dict[str, list[tuple[float, float]]]:
    series: dict[str, list[tuple[float, float]]] = {}
    for n, row in scale.items():
        for kind, f in row["faiss"].items():
            if " " not in kind:  # the default knob of each type; the others are in the table
                series.setdefault(kind, []).append((float(n), f["p50_ms"]))
        if b := row.get("bm25"):
            series.setdefault("bm25", []).append((float(n), b["p50_ms"]))
    return series


def latency_svg(scale: dict[str, Any], width: int = 560, height: int = 340) -> str:
    """Search p50 against corpus size, both axes logarithmic."""
    series = _series(scale)
    points = [p for s in series.values() for p in s]
    xs = [math.log10(x) for x, _ in points]
    ys = [math.log10(max(y, 1e-3)) for _, y in points]
    x0, x1 = min(xs) - 0.1, max(xs) + 0.1
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys)) + (1 if math.ceil(max(ys)) == math.floor(min(ys)) else 0)
    left, top, right, bottom = 60, 20, width - 110, height - 45

    def sx(x: float) -> float:
        return left + (math.log10(x) - x0) / (x1 - x0) * (right - left)

    def sy(y: float) -> float:
        return bottom - (math.log10(max(y, 1e-3)) - y0) / (y1 - y0) * (bottom - top)

    frame = f'x="{left}" y="{top}" width="{right - left}" height="{bottom - top}"'
    parts = [f'<rect {frame} fill="none" stroke="#999"/>']
    for e in range(y0, y1 + 1):
        parts.append(
            f'<text x="{left - 8}" y="{sy(10**e) + 4:.1f}" font-size="11" text-anchor="end">{10**e:g}</text>'
        )
    for x, _ in series.get("flat", []):
        parts.append(
            f'<text x="{sx(x):.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle">{int(x):,}</text>'
        )
    for i, (name, pts) in enumerate(series.items()):
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        color = COLORS.get(name, "#000")
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        parts += [f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}"/>' for x, y in pts]
        parts.append(
            f'<text x="{right + 10}" y="{top + 16 + 18 * i}" font-size="12" fill="{color}">{name}</text>'
        )
    parts.append(
        f'<text x="{(left + right) / 2}" y="{height - 8}" font-size="12" text-anchor="middle">passages</text>'
    )
    mid_y = (top + bottom) / 2
    parts.append(
        f'<text x="14" y="{mid_y}" font-size="12" transform="rotate(-90 14 {mid_y})" text-anchor="middle">'
        "search p50 (ms)</text>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{"".join(parts)}</svg>\n'
    )


def write_results(results: dict[str, Any], out_dir: Path) -> None:
    """results.json, results.md and (with a scale run) latency.svg in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    (out_dir / "results.md").write_text(markdown(results), encoding="utf-8")
    if results.get("scale") and len(results["scale"]) > 1:
        (out_dir / "latency.svg").write_text(latency_svg(results["scale"]), encoding="utf-8")

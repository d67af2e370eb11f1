"""The `rag` command: models, index, search, ask, eval, serve."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

from rag.errors import InputError, RagError
from rag.settings import Settings, load_settings

EXIT_USAGE = 2


class RagGroup(click.Group):
    """A click group that turns every expected failure into one line on stderr and exit status 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            sys.exit(130)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            sys.exit(EXIT_USAGE)
        except (RagError, ValueError) as exc:
            click.echo(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", err=True)
            sys.exit(EXIT_USAGE)
        except ImportError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    """The settings loaded by the group, with the command's options that were given."""
    settings: Settings = ctx.obj
    given = {key: value for key, value in overrides.items() if value is not None}
    return dataclasses.replace(settings, **given) if given else settings


def _question(text: str, settings: Settings) -> str:
    """The question with control characters removed; empty ones, and ones without a letter or digit
    ("???"), are refused."""
    cleaned = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t").strip()
    if not cleaned:
        raise InputError("the question is empty: ask something about the articles")
    if not any(ch.isalnum() for ch in cleaned):
        raise InputError("the question has no words: ask something about the articles")
    return cleaned


@click.group(cls=RagGroup)
@click.option("--config", type=click.Path(path_type=Path), help="TOML settings file (default: rag.toml).")
@click.option("-v", "--verbose", is_flag=True, help="Log progress at info level.")
@click.pass_context
def main(ctx: click.Context, config: Path | None, verbose: bool) -> None:
    """Question answering over news articles about Vietnam's AI policy."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s"
    )
    from rag.offline import set_offline_env

    set_offline_env()
    ctx.obj = load_settings(config)


@main.group()
def models() -> None:
    """Download and check the model files."""


@models.command("fetch")
@click.argument("names", nargs=-1)
@click.pass_context
def models_fetch(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Download, assemble and verify models (default: the ones the chatbot uses)."""
    from rag.models import fetch_models

    for path in fetch_models(_settings(ctx), list(names) or None, progress=lambda m: click.echo(m, err=True)):
        click.echo(str(path))


@models.command("list")
@click.pass_context
def models_list(ctx: click.Context) -> None:
    """Show which models are in the cache."""
    from rag.models import list_models

    for row in list_models(_settings(ctx)):
        state = "verified" if row.verified else ("present" if row.present else "missing")
        click.echo(f"{row.name:22} {state:9} {row.size / 1e6:8.1f} MB  {row.path}")


@main.command()
@click.option("--rebuild", is_flag=True, help="Re-embed everything, ignoring the existing index.")
@click.option("--index-type", type=click.Choice(["auto", "flat", "hnsw", "ivf"]), default=None)
@click.pass_context
def index(ctx: click.Context, rebuild: bool, index_type: str | None) -> None:
    """Build or update the index of the corpus (only changed articles are re-embedded)."""
    from tqdm import tqdm

    from rag.corpus import load_corpus
    from rag.embedding import make_embedder
    from rag.indexing import build_index

    settings = _settings(ctx, index_type=index_type)
    docs = load_corpus(settings.corpus_dir)
    embedder = make_embedder(settings)
    with tqdm(desc="embedding", unit="chunk", file=sys.stderr, disable=None) as bar:
        report = build_index(docs, settings, embedder, rebuild=rebuild, progress=bar.update)
    if not report.wrote:
        click.echo(
            f"index up to date: {len(docs)} articles, {report.total_chunks} chunks ({settings.index_dir})"
        )
        return
    click.echo(
        f"indexed {len(docs)} articles, {report.total_chunks} chunks in {report.seconds:.1f}s "
        f"(embedded {report.embedded_chunks}; added {len(report.added)}, changed {len(report.changed)}, "
        f"removed {len(report.removed)}, unchanged {len(report.unchanged)}) -> {settings.index_dir}"
    )


@main.command()
@click.argument("question")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default=None)
@click.option("--top-k", type=int, default=None, help="Number of passages (default 5).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def search(ctx: click.Context, question: str, mode: str | None, top_k: int | None, as_json: bool) -> None:
    """Print the passages that best match QUESTION."""
    from rag.retrieval import load_retriever

    settings = _settings(ctx)
    if top_k is not None and top_k < 1:
        raise InputError("--top-k must be at least 1")
    question = _question(question, settings)
    hits = load_retriever(settings).search(question, top_k or settings.top_k, mode or settings.mode)
    if as_json:
        rows = [
            {
                "rank": h.rank,
                "doc_id": h.chunk.doc_id,
                "chunk_id": h.chunk.chunk_id,
                "score": h.score,
                "dense_score": h.dense_score,
                "sentence_score": h.sentence_score,
                "lexical_score": h.lexical_score,
                "source_url": h.chunk.source_url,
                "start": h.chunk.start,
                "end": h.chunk.end,
                "text": h.chunk.text,
            }
            for h in hits
        ]
        click.echo(
            json.dumps(
                {"question": question, "mode": mode or settings.mode, "hits": rows},
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    if not hits:
        click.echo("no passage matches")
    for h in hits:
        click.echo(f"{h.rank}. {h.chunk.chunk_id}  score={h.score:.4f}  {h.chunk.source_url}")
        click.echo(f"   {h.chunk.text[:300]}{'...' if len(h.chunk.text) > 300 else ''}\n")


def _load_history(path: Path | None) -> list[tuple[str, str]]:
    """A conversation from a JSON file: [[question, answer], ...] or [{"role", "content"}, ...]."""
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read history {path}: {exc}") from None
    from rag.followup import turns

    try:
        return turns(data)
    except (TypeError, ValueError, KeyError, AttributeError):
        raise InputError(f"history {path} must be [[question, answer], ...] or chat messages") from None


def _answer_json(answer: Any) -> dict[str, Any]:
    """The --json form of an Answer: the eval record, with full citations and the passages."""
    from rag.answer_eval import answer_record

    return {
        **answer_record(answer),
        "citations": [dataclasses.asdict(c) for c in answer.citations],
        "passages": [
            {
                "n": rank,
                "doc_id": h.chunk.doc_id,
                "chunk_id": h.chunk.chunk_id,
                "source_url": h.chunk.source_url,
                "score": h.score,
                "dense_score": h.dense_score,
                "sentence_score": h.sentence_score,
                "lexical_score": h.lexical_score,
                "text": h.chunk.text,
            }
            for rank, h in enumerate(answer.hits, start=1)
        ],
    }


@main.command()
@click.argument("question")
@click.option("--history", type=click.Path(path_type=Path), help="JSON file with the conversation so far.")
@click.option("--generator", default=None, help="llama-cpp (default), transformers, openai or extractive.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer, citations and passages as JSON.")
@click.pass_context
def ask(
    ctx: click.Context, question: str, history: Path | None, generator: str | None, as_json: bool
) -> None:
    """Answer QUESTION from the articles, with [n] citations (streamed)."""
    from rag.pipeline import Pipeline

    settings = _settings(ctx, generator=generator)
    pipeline = Pipeline(settings)
    question = _question(question, settings)
    pipeline.warm_up()  # loads the prompt's fixed part saved by an earlier run (or saves it for the next)
    stream = None if as_json else (lambda piece: click.echo(piece, nl=False, err=True))
    answer = pipeline.ask(question, _load_history(history), on_token=stream)
    if as_json:
        click.echo(json.dumps(_answer_json(answer), ensure_ascii=False, indent=1))
        return
    if stream is not None:
        click.echo("", err=True)
    click.echo(answer.answer)
    for c in answer.citations:
        click.echo(f'  [{c.n}] {c.chunk_id} {c.source_url}\n      "{c.quote}"')


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 7860).")
def serve(host: str | None, port: int | None) -> None:
    """Start the chat app in the browser (same as `python app.py`)."""
    import importlib.util

    from rag.settings import ROOT

    spec = importlib.util.spec_from_file_location("rag_app", ROOT / "app.py")
    if spec is None or spec.loader is None:
        raise InputError(f"app.py not found in {ROOT}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = [*(["--host", host] if host else []), *(["--port", str(port)] if port else [])]
    module.main(args)


def _sizes(text: str) -> list[int]:
    """Parse "10k,100k,1M" into passage counts."""
    sizes = []
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        factor = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        try:
            sizes.append(int(float(part.rstrip("km")) * factor))
        except ValueError:
            raise InputError(f"--scale takes sizes such as 10k,100k,1M, not {part!r}") from None
    return sizes


@main.command()
@click.option(
    "--scale", default="10k", show_default=True, help="Corpus sizes for the scale run ('' to skip)."
)
@click.option("--index-types", default="flat,hnsw,ivf", show_default=True, help="FAISS types to compare.")
@click.option("--answers", type=int, default=98, show_default=True, help="Questions to answer (0 to skip).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("bench"), show_default=True)
@click.pass_context
def bench(ctx: click.Context, scale: str, index_types: str, answers: int, out: Path) -> None:
    """Measure build, retrieval, answer latency, memory, cold start and scale; write OUT/results.*."""
    from rag.bench import run_bench

    kinds = [k.strip() for k in index_types.split(",") if k.strip()]
    results = run_bench(_settings(ctx), out, sizes=_sizes(scale), kinds=kinds, answers=answers)
    click.echo((out / "results.md").read_text(encoding="utf-8"))
    if "answers" not in results:
        click.echo("(answers skipped)")


@main.command()
@click.option("--generator", default=None, help="llama-cpp (default), transformers, openai or extractive.")
@click.pass_context
def warm(ctx: click.Context, generator: str | None) -> None:
    """Evaluate the prompt's fixed part and save it, so later starts answer their first question fast."""
    from rag.answering import warm_up
    from rag.generators import make_generator

    started = time.perf_counter()
    model = make_generator(_settings(ctx, generator=generator))
    done = warm_up(model) if getattr(model, "caches_prefix", False) else "not needed"
    click.echo(f"{model.name}: prompt prefix {done} in {time.perf_counter() - started:.1f}s")


@main.command("eval")
@click.option("--dataset", type=click.Path(path_type=Path), required=True, help="JSONL eval set.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the results.")
@click.option("--retrieval-only", is_flag=True, help="Measure retrieval only (no answers).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default=None)
@click.option(
    "--generator", default=None, help="Answer backend: llama-cpp, transformers, openai, extractive."
)
@click.pass_context
def eval_(
    ctx: click.Context,
    dataset: Path,
    out: Path,
    retrieval_only: bool,
    mode: str | None,
    generator: str | None,
) -> None:
    """Run an eval set and write summary.json, questions.jsonl (and report.html) to --out."""
    from rag.evaluate import load_dataset, run_eval

    settings = _settings(ctx, generator=generator)
    items = load_dataset(dataset)
    summary = run_eval(items, settings, out, retrieval_only=retrieval_only, mode=mode or settings.mode)
    click.echo(json.dumps(summary, indent=1))

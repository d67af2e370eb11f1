"""Faults: a build killed with SIGKILL at its worst moment leaves the previous index usable."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from rag.corpus import load_corpus
from rag.indexing import build_index, load_index
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from rag import store
    from rag.corpus import load_corpus
    from rag.indexing import build_index
    from rag.settings import Settings
    from tests.conftest import FakeEmbedder

    def stop_here(*args):
        print("files written", flush=True)
        time.sleep(60)

    if sys.argv[3] == "manifest":
        store.write_manifest = stop_here
    else:
        FakeEmbedder.embed_passages = lambda self, texts: stop_here()
    settings = Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]))
    build_index(load_corpus(settings.corpus_dir), settings, FakeEmbedder())
    """
)


@pytest.mark.parametrize("moment", ["embedding", "manifest"])
def test_sigkill_during_build_keeps_previous_index(settings: Settings, moment: str) -> None:
    build_index(load_corpus(settings.corpus_dir), settings, FakeEmbedder())
    before = load_index(settings.index_dir, FakeEmbedder.model_id)
    (settings.corpus_dir / "beta.txt").write_text("Isi artikel yang sudah berubah sama sekali.\n")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(settings.corpus_dir), str(settings.index_dir), moment],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "files written"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    after = load_index(settings.index_dir, FakeEmbedder.model_id)
    assert [c.chunk_id for c in after.chunks] == [c.chunk_id for c in before.chunks]
    assert after.manifest == before.manifest
    report = build_index(load_corpus(settings.corpus_dir), settings, FakeEmbedder())
    assert report.changed == ("beta",)
    names = [p.name for p in settings.index_dir.iterdir() if not p.name.startswith(".")]
    assert len(names) == 6, f"the killed build's files are cleaned up: {names}"

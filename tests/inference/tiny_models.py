"""Tiny random models with a small trained tokenizer, written as ordinary checkpoint folders.

They load through exactly the code the real models use (``engine.loading.load``), so every
task and backend is exercised without hundreds of megabytes of weights.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = (
    "the shirt fits well and the fabric is soft",
    "delivery was late and the box was damaged",
    "great price good quality would buy again",
    "the shoes are too small please send a bigger size",
    "customer service answered quickly and kindly",
    "colour faded after one wash very disappointed",
    "product description cotton blue summer dress size medium",
    "write a short title for a red leather bag",
)
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "<bos>", "<eos>"]
LABELS = {0: "negative", 1: "neutral", 2: "positive"}


def _tokenizer(kind: str):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = sorted({word for line in CORPUS for word in line.split()})
    vocab = {token: index for index, token in enumerate(SPECIALS + words)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    if kind == "causal":
        backend.post_processor = processors.TemplateProcessing(
            single="<bos> $A", special_tokens=[("<bos>", vocab["<bos>"])]
        )
        specials = {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "[PAD]", "unk_token": "[UNK]"}
    else:
        backend.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]",
            special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
        )
        specials = {"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]"}
    return PreTrainedTokenizerFast(tokenizer_object=backend, model_max_length=128, **specials)


def build_causal_lm(path: Path, *, seed: int = 0) -> Path:
    """A 2-layer Gemma 3 text model (the default generator's architecture)."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    tokenizer = _tokenizer("causal")
    config = Gemma3TextConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=256,
        sliding_window=16,
        layer_types=["sliding_attention", "full_attention"],
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = Gemma3ForCausalLM(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build_encoder(path: Path, *, classifier: bool, seed: int = 0) -> Path:
    """A 2-layer BERT: a bare encoder for embeddings, or one with a 3-label head."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel

    tokenizer = _tokenizer("encoder")
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id,
        id2label=LABELS,
        label2id={label: index for index, label in LABELS.items()},
    )
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config) if classifier else BertModel(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path

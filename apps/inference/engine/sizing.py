"""How much memory a model folder's weights will take once loaded, read without loading them."""

from __future__ import annotations

import math
import re
from pathlib import Path

import torch

# Bytes per element of the non-floating tensor types a safetensors header names.
_SAFETENSORS_ITEMSIZE = {
    "I64": 8,
    "U64": 8,
    "I32": 4,
    "U32": 4,
    "I16": 2,
    "U16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
}


# The tensors the packed encoder copies (engine/packed_encoder.py): each layer's Linear weights
# and its query/key/value biases.
PACKED_ENCODER_TENSORS = re.compile(
    r"encoder\.layer\.\d+\.(attention\.self\.(query|key|value)\.(weight|bias)"
    r"|(attention\.output|intermediate|output)\.dense\.weight)$"
)


def weights_nbytes(folder: Path, dtype: torch.dtype, *, only: re.Pattern[str] | None = None) -> int | None:
    """The bytes the weights in ``folder`` take once loaded as ``dtype``; None without weight files.

    safetensors headers give every tensor's shape and type: floating tensors are counted at
    ``dtype`` (a bf16 checkpoint loaded as fp32 takes twice its file size), others at their own
    size. Dynamic int8 only shrinks a model after that, so this bounds the weights from above;
    buffers that are not saved with a model add a little, which the model cache corrects once
    the model is loaded. Pickled ``.bin`` checkpoints only tell their file size. With ``only``,
    just the tensors whose names it matches count (safetensors only).
    """
    safetensors_files = sorted(folder.glob("*.safetensors"))
    if safetensors_files:  # transformers loads these in preference to .bin files beside them
        from safetensors import safe_open

        total = 0
        for path in safetensors_files:
            with safe_open(str(path), framework="pt") as weights:
                for name in weights.keys():  # noqa: SIM118 (a safetensors handle is not a dict)
                    if only is not None and not only.search(name):
                        continue
                    tensor = weights.get_slice(name)
                    stored = tensor.get_dtype()
                    itemsize = (
                        dtype.itemsize
                        if stored.startswith(("F", "BF"))
                        else _SAFETENSORS_ITEMSIZE.get(stored, 8)
                    )
                    total += math.prod(tensor.get_shape()) * itemsize
        return total
    bin_files = sorted(folder.glob("*.bin"))
    if bin_files and only is None:
        return sum(path.stat().st_size for path in bin_files)
    return None

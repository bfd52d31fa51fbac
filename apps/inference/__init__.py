"""The shared Transformer inference layer: ``from apps import inference``.

    inference.generate([GenerationRequest(prompt=..., max_new_tokens=64)], store=store)
    inference.classify(["fits well", "arrived broken"], model="review-sentiment", store=store)
    inference.embed(["cotton summer dress"], model="multilingual-e5-small", kind="passage")

Importing this package never imports torch (the web process relies on it).
"""

from .client import agenerate, agenerate_stream, classify, embed, generate, generate_stream, use_backend
from .errors import (
    BackendError,
    InferenceError,
    InvalidRequest,
    ModelNotFound,
    ModelNotInstalled,
    PublicError,
    QuotaExceeded,
    TransientInferenceError,
    public_error,
)
from .registry import ModelSpec, register_model, resolve_model, set_store_resolver
from .types import ChatMessage, Choice, Classification, Embedding, Generation, GenerationRequest, StreamEvent
from .usage import UsageMeter, set_usage_meter

__all__ = [
    "BackendError",
    "ChatMessage",
    "Choice",
    "Classification",
    "Embedding",
    "Generation",
    "GenerationRequest",
    "InferenceError",
    "InvalidRequest",
    "ModelNotFound",
    "ModelNotInstalled",
    "ModelSpec",
    "PublicError",
    "QuotaExceeded",
    "StreamEvent",
    "TransientInferenceError",
    "UsageMeter",
    "agenerate",
    "agenerate_stream",
    "classify",
    "embed",
    "generate",
    "generate_stream",
    "public_error",
    "register_model",
    "resolve_model",
    "set_store_resolver",
    "set_usage_meter",
    "use_backend",
]

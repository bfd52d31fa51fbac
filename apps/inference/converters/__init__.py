"""Turn weights shipped in other formats into transformers checkpoints under MODELS_CACHE."""

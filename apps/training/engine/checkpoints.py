"""Which checkpoint a run resumes from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def checkpoint_complete(folder: Path) -> bool:
    # The Trainer writes its state file last: a folder without it (or with it cut short) was being
    # saved when the worker died.
    try:
        json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def last_complete_checkpoint(checkpoints: Path) -> str | None:
    """The newest checkpoint the Trainer finished writing, or None; newer half-written ones are
    removed (the Trainer would resume from one and fail)."""
    if not checkpoints.is_dir():
        return None
    found = sorted(
        (
            path
            for path in checkpoints.glob("checkpoint-*")
            if path.name.removeprefix("checkpoint-").isdigit()
        ),
        key=lambda path: int(path.name.removeprefix("checkpoint-")),
        reverse=True,
    )
    for path in found:
        if checkpoint_complete(path):
            return str(path)
        shutil.rmtree(path, ignore_errors=True)
    return None

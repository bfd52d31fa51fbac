"""Similarity of review clauses to aspect examples, for a whole batch at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def best_similarities(
    clause_vectors: Sequence[Sequence[float]],
    example_vectors: Sequence[Sequence[float]],
    owners: Sequence[int],
    aspect_count: int,
) -> list[list[float]]:
    """For each clause, its highest dot product with any example of each aspect (-1 for none above);
    ``owners[j]`` is the position of the aspect that example ``j`` belongs to.

    One matrix product for the whole batch (clauses x examples): the vectors are unit length, so
    dot products are cosines.
    """
    if not clause_vectors or not example_vectors:
        return [[-1.0] * aspect_count for _ in clause_vectors]
    clauses = np.asarray(clause_vectors, dtype=np.float64)
    examples = np.asarray(example_vectors, dtype=np.float64)
    if clauses.ndim != 2 or examples.ndim != 2 or clauses.shape[1] != examples.shape[1]:
        raise ValueError("embed returned vectors of different lengths")
    similarity = clauses @ examples.T
    best = np.full((len(clauses), aspect_count), -1.0)
    columns = np.asarray(owners)
    for position in range(aspect_count):
        mine = similarity[:, columns == position]
        if mine.shape[1]:
            best[:, position] = np.maximum(best[:, position], mine.max(axis=1))
    rows: list[list[float]] = best.tolist()
    return rows

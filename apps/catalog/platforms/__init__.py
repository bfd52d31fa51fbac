"""Shop platforms' catalog files: the formats they export (profiles), their rows, and the files back."""

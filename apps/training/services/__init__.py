"""The training app's writes: retraining the default classifier, datasets, runs, versions, activation."""

from .retrain import FULL_RECIPE, RetrainOutcome, installed_score, sentiment_retrain

__all__ = ["FULL_RECIPE", "RetrainOutcome", "installed_score", "sentiment_retrain"]

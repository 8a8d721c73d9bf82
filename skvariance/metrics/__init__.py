"""Interval and quantile scores, and scorers for model selection."""

__all__: list[str] = []

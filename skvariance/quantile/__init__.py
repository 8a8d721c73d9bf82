"""Multi-quantile models, quantile aggregation and monotonization."""

__all__: list[str] = []

"""Seed-aware cross-validation and search, and sequential model comparison."""

__all__: list[str] = []

"""matplotlib Displays for skvariance results (needs the plot extra)."""

from ._seed_variance import SeedVarianceDisplay

__all__: list[str] = [
    "SeedVarianceDisplay",
]

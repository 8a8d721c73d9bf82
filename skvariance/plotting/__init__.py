"""matplotlib Displays for skvariance results (needs the plot extra)."""

__all__: list[str] = []

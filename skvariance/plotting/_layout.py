"""Sizing figures to their text (shared by the Displays)."""

from __future__ import annotations

__all__ = ["text_width"]


def text_width(labels, fontsize=None) -> float:
    """Width in inches of the widest line of ``labels`` at ``fontsize``."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=fontsize or rcParams["font.size"])
    engine = TextToPath()
    widest = 0.0
    for label in labels:
        for line in str(label).split("\n"):
            if line:
                w, _, _ = engine.get_text_width_height_descent(line, prop, ismath=False)
                widest = max(widest, w)
    return widest / 72.0

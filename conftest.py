"""pytest configuration shared by the test suite and the doctests."""

import matplotlib
import pytest

# No screen on CI: draw to memory only. Set before any pyplot import.
matplotlib.use("Agg")


@pytest.fixture
def close_figures():
    """Close every matplotlib figure a test opened."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")

"""Tests for ReliabilityDisplay."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skvariance.metrics import calibration_error
from skvariance.plotting import ReliabilityDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _band_by_hand(p, n_bins, level, n_resamples, seed):
    """Bins at k / n_bins (right-closed), outcomes drawn row by row of U."""
    u = np.random.RandomState(seed).uniform(size=(n_resamples, p.size))
    edges = np.linspace(0, 1, n_bins + 1)
    low, high = np.full(n_bins, np.nan), np.full(n_bins, np.nan)
    for b in range(n_bins):
        if b == 0:
            rows = p <= edges[1]
        else:
            rows = (p > edges[b]) & (p <= edges[b + 1])
        if not rows.any():
            continue
        freq = [(u[r, rows] < p[rows]).mean() for r in range(n_resamples)]
        low[b], high[b] = np.quantile(freq, [(1 - level) / 2, (1 + level) / 2])
    return low, high


def test_bands_match_a_numpy_simulation_with_the_same_seed():
    rng = np.random.RandomState(1)
    p = rng.beta(0.7, 0.7, size=150)
    y = (rng.uniform(size=150) < p).astype(int)
    disp = ReliabilityDisplay.from_predictions(
        y, p, n_bins=6, confidence_level=0.8, n_resamples=300, random_state=7
    )
    low, high = _band_by_hand(p, 6, 0.8, 300, 7)
    np.testing.assert_allclose(disp.band_low, low, rtol=1e-12)
    np.testing.assert_allclose(disp.band_high, high, rtol=1e-12)
    assert disp.calibration_error == calibration_error(y, p, n_bins=6)


def test_bands_hold_a_calibrated_model_and_reject_a_miscalibrated_one():
    rng = np.random.RandomState(3)
    n, n_bins = 4000, 10
    p = rng.uniform(size=n)
    u = rng.uniform(size=n)
    calibrated = ReliabilityDisplay.from_predictions(
        (u < p).astype(int), p, n_bins=n_bins, n_resamples=400, random_state=0
    )
    inside = (calibrated.frequency >= calibrated.band_low) & (
        calibrated.frequency <= calibrated.band_high
    )
    assert inside.sum() >= 7  # 90% bands: about 9 of 10 bins
    over = ReliabilityDisplay.from_predictions(
        (u < p**2).astype(int), p, n_bins=n_bins, n_resamples=400, random_state=0
    )
    outside = (over.frequency < over.band_low) | (over.frequency > over.band_high)
    assert outside.sum() >= 7


def test_figure_artists():
    rng = np.random.RandomState(2)
    p = np.concatenate([rng.uniform(0, 0.3, 100), rng.uniform(0.7, 1, 100)])
    y = (rng.uniform(size=200) < p).astype(int)
    disp = ReliabilityDisplay.from_predictions(
        y, p, n_bins=10, n_resamples=100, random_state=0, name="model"
    )
    full = disp.counts > 0
    assert full.sum() == 6  # the middle bins are empty and not drawn
    np.testing.assert_allclose(disp.line_.get_xdata(), disp.mean_confidence[full])
    np.testing.assert_allclose(disp.line_.get_ydata(), disp.frequency[full])
    segments = disp.band_.get_segments()
    assert len(segments) == 6
    np.testing.assert_allclose(
        [s[:, 1] for s in segments],
        np.column_stack([disp.band_low[full], disp.band_high[full]]),
    )
    labels = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert labels[-1].startswith("model (ECE ")
    assert "90% consistency band" in labels
    assert disp.figure_ is disp.ax_.figure
    plain = ReliabilityDisplay.from_predictions(y, p, consistency_bands=False)
    assert plain.band_ is None and plain.band_low is None


def test_from_estimator_binary_and_multiclass():
    X, y = make_classification(
        n_samples=400, n_classes=3, n_informative=4, random_state=0
    )
    clf = LogisticRegression(max_iter=500).fit(X[:200], y[:200])
    disp = ReliabilityDisplay.from_estimator(
        clf, X[200:], y[200:], n_resamples=50, random_state=0
    )
    proba = clf.predict_proba(X[200:])
    assert disp.calibration_error == pytest.approx(
        calibration_error(y[200:], proba, n_bins=10)
    )
    assert disp.name == "LogisticRegression"
    yb = np.where(y == 1, "yes", "no")
    clf = LogisticRegression(max_iter=500).fit(X[:200], yb[:200])
    disp = ReliabilityDisplay.from_estimator(
        clf, X[200:], yb[200:], consistency_bands=False, n_bins=5
    )
    pos = clf.predict_proba(X[200:])[:, 1]
    assert disp.calibration_error == pytest.approx(
        calibration_error((yb[200:] == "yes").astype(int), pos, n_bins=5)
    )


def test_bad_input():
    with pytest.raises(ValueError, match="outside"):
        ReliabilityDisplay.from_predictions([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="confidence_level"):
        ReliabilityDisplay.from_predictions([0, 1], [0.5, 0.5], confidence_level=1.0)
    with pytest.raises(ValueError, match="n_resamples"):
        ReliabilityDisplay.from_predictions([0, 1], [0.5, 0.5], n_resamples=0)

"""Tests for CoverageDisplay."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from skvariance.calibration import ConformalRegressor
from skvariance.plotting import CoverageDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _data(seed=0, n=600):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    groups = (X[:, 1] > 0.8).astype(int)
    y = X[:, 0] + rng.normal(size=n) * np.where(groups == 1, 3.0, 0.3)
    return X, y, groups


def test_from_estimator_records_coverage_and_widths():
    X, y, groups = _data()
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X[:400], y[:400])
    disp = CoverageDisplay.from_estimator(reg, X[400:], y[400:], coverages=[0.5, 0.9])
    bounds = reg.predict_interval(X[400:], coverage=[0.5, 0.9])
    hit = (y[400:, None] >= bounds[:, 0]) & (y[400:, None] <= bounds[:, 1])
    np.testing.assert_allclose(disp.empirical, hit.mean(axis=0))
    np.testing.assert_allclose(disp.widths, bounds[:, 1] - bounds[:, 0])
    assert disp.ax_.shape == (2,)
    assert disp.figure_ is disp.ax_[0].figure


def test_per_group_panel_shows_the_mondrian_difference():
    X, y, groups = _data()
    plain = ConformalRegressor(Ridge(), random_state=0).fit(X[:400], y[:400])
    mondrian = ConformalRegressor(Ridge(), calibration_size=0.5, random_state=0).fit(
        X[:400], y[:400], groups=groups[:400]
    )
    d_plain = CoverageDisplay.from_estimator(
        plain, X[400:], y[400:], groups=groups[400:]
    )
    d_mond = CoverageDisplay.from_estimator(
        mondrian, X[400:], y[400:], groups=groups[400:]
    )
    assert d_plain.ax_.shape == (3,)
    assert d_plain.group_coverage[1][0] < d_mond.group_coverage[1][0]


def test_bad_shapes():
    with pytest.raises(ValueError, match="intervals must have shape"):
        CoverageDisplay.from_predictions(np.zeros(5), np.zeros((4, 2, 1)), [0.9])
    with pytest.raises(ValueError, match="coverages"):
        CoverageDisplay.from_predictions(np.zeros(5), np.zeros((5, 2, 1)), [1.5])

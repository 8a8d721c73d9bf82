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


def _classifier_data(seed=0, n=900):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_classes=4,
        n_informative=5,
        n_clusters_per_class=1,
        random_state=seed,
    )
    return X, np.array(["ant", "bee", "cat", "dog"])[y]


def test_classifier_sets_coverage_by_level_size_and_group():
    from sklearn.linear_model import LogisticRegression

    from skvariance.calibration import ConformalClassifier

    X, y = _classifier_data()
    clf = ConformalClassifier(LogisticRegression(max_iter=500), random_state=0)
    clf.fit(X[:500], y[:500])
    groups = (X[500:, 0] > 0).astype(int)
    disp = CoverageDisplay.from_estimator(
        clf, X[500:], y[500:], coverages=[0.7, 0.9], groups=groups
    )
    sets = clf.predict_set(X[500:], coverage=[0.7, 0.9])
    col = np.searchsorted(clf.classes_, y[500:])
    hit = sets[np.arange(400), col]  # (n, n_levels)
    np.testing.assert_allclose(disp.empirical, hit.mean(axis=0))
    size = sets[:, :, 1].sum(axis=1)
    expected = {
        int(s): (hit[size == s, 1].mean(), int((size == s).sum()))
        for s in np.unique(size)
    }
    assert disp.size_coverage.keys() == expected.keys()
    for s, (c, n) in expected.items():
        assert disp.size_coverage[s][0] == pytest.approx(c)
        assert disp.size_coverage[s][1] == n
    for g in (0, 1):
        assert disp.group_coverage[g][0] == pytest.approx(hit[groups == g, 1].mean())
    assert disp.ax_.shape == (3,)
    heights = [p.get_height() for p in disp.ax_[1].patches]
    np.testing.assert_allclose(heights, [expected[s][0] for s in sorted(expected)])
    assert disp.ax_[1].get_xlabel() == "set size"
    assert disp.ax_[1].get_title() == "coverage per set size"


def test_sets_from_predictions_with_labels_and_a_single_level():
    rng = np.random.RandomState(0)
    sets = rng.uniform(size=(50, 3)) < 0.5
    y = rng.randint(3, size=50)
    names = np.array(["x", "y", "z"])
    disp = CoverageDisplay.from_predictions(names[y], sets, 0.8, classes=names)
    hit = sets[np.arange(50), y]
    assert disp.empirical.tolist() == [hit.mean()]
    assert disp.ax_.shape == (2,)
    with pytest.raises(ValueError, match="prediction sets must have shape"):
        CoverageDisplay.from_predictions(y, sets[:, :, None], [0.8, 0.9])
    with pytest.raises(ValueError, match="column"):
        CoverageDisplay.from_predictions(y + 5, sets, 0.8)
    with pytest.raises(ValueError, match="classes applies"):
        CoverageDisplay.from_predictions(
            np.zeros(5), np.zeros((5, 2, 1)), [0.9], classes=[0, 1]
        )


def test_sets_layout_fits():
    from .test_display_layout import layout_problems

    rng = np.random.RandomState(0)
    sets = rng.uniform(size=(300, 6, 2)) < [0.2, 0.5]
    groups = np.array(["north-east region", "south-west region", "centre"])[
        rng.randint(0, 3, 300)
    ]
    disp = CoverageDisplay.from_predictions(
        rng.randint(6, size=300),
        sets,
        [0.8, 0.9],
        groups=groups,
        name="ConformalClassifier(method='aps')",
    )
    assert layout_problems(disp.figure_) == []

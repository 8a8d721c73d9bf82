"""Tests for SeedVarianceDisplay."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import seed_cross_validate
from skvariance.plotting import SeedVarianceDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def result():
    X, y = make_classification(n_samples=150, random_state=0)
    return seed_cross_validate(
        DecisionTreeClassifier(max_features=3),
        X,
        y,
        cv=3,
        n_seeds=4,
        scoring=["accuracy", "neg_log_loss"],
        random_state=0,
    )


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_from_cv_result_draws_both_panels(result):
    disp = SeedVarianceDisplay.from_cv_result(result, metric="accuracy")
    assert disp.ax_.shape == (2,)
    assert disp.figure_ is disp.ax_[0].figure
    heights = [bar.get_height() for bar in disp.bars_]
    comp = result.components["accuracy"]
    np.testing.assert_allclose(heights, [comp["seed"], comp["split"], comp["residual"]])
    # one marker series per split plus the per-seed means
    assert len(disp.ax_[0].lines) == 3
    labels = [line.get_label() for line in disp.ax_[1].lines]
    assert "binomial p(1-p)/n_test" in labels
    assert disp.ax_[0].get_ylabel() == "accuracy"


def test_no_binomial_line_for_log_loss(result):
    disp = SeedVarianceDisplay.from_cv_result(result, metric="neg_log_loss")
    labels = [line.get_label() for line in disp.ax_[1].lines]
    assert "binomial p(1-p)/n_test" not in labels


def test_given_axes_are_used(result):
    fig, axes = plt.subplots(1, 2)
    disp = SeedVarianceDisplay.from_cv_result(result, metric="accuracy", ax=axes)
    assert disp.figure_ is fig
    assert disp.ax_[1] is axes[1]
    with pytest.raises(ValueError, match="2 Axes"):
        disp.plot(ax=[axes[0]])


def test_metric_must_be_chosen_and_known(result):
    with pytest.raises(ValueError, match="several metrics"):
        SeedVarianceDisplay.from_cv_result(result)
    with pytest.raises(ValueError, match="not in the result"):
        SeedVarianceDisplay.from_cv_result(result, metric="f1")


def test_from_estimator():
    X, y = make_classification(n_samples=100, random_state=1)
    disp = SeedVarianceDisplay.from_estimator(
        DecisionTreeClassifier(max_features=2), X, y, cv=3, n_seeds=3, random_state=0
    )
    assert disp.metric == "score"
    assert np.asarray(disp.scores).shape == (3, 3)

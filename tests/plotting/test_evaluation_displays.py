"""Interval-estimate, performance-profile and P(X > Y) displays."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skvariance.evaluation import bootstrap_ci  # noqa: E402
from skvariance.plotting import (  # noqa: E402
    IntervalEstimatesDisplay,
    PerformanceProfileDisplay,
    ProbabilityOfImprovementDisplay,
)


@pytest.fixture
def scores():
    rng = np.random.RandomState(0)
    return {
        "A": rng.normal(0.8, 0.05, size=(5, 4)),
        "B": rng.normal(0.7, 0.1, size=(5, 4)),
        "C": rng.normal(0.75, 0.1, size=(8, 4)),
    }


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_interval_estimates_one_panel_per_statistic(scores):
    disp = IntervalEstimatesDisplay.from_scores(
        scores, statistics=("median", "iqm", np.mean), n_resamples=300, random_state=0
    )
    assert len(disp.axes_) == 3 and disp.ax_ is disp.axes_[0]
    assert [ax.get_title() for ax in disp.axes_] == ["Median", "IQM", "Mean"]
    # one bar per algorithm, spanning the interval
    bars = disp.axes_[1].patches
    assert len(bars) == 3
    ci = bootstrap_ci(scores, "iqm", n_resamples=300, random_state=0)
    assert bars[0].get_x() == pytest.approx(ci.low["A"])
    assert bars[0].get_width() == pytest.approx(ci.high["A"] - ci.low["A"])
    labels = [t.get_text() for t in disp.axes_[0].get_yticklabels()]
    assert labels == ["A", "B", "C"]


def test_interval_estimates_on_given_axes(scores):
    fig, axes = plt.subplots(1, 2)
    disp = IntervalEstimatesDisplay.from_scores(
        scores, statistics=("mean", "iqm"), n_resamples=100, random_state=0, axes=axes
    )
    assert disp.figure_ is fig
    with pytest.raises(ValueError, match="one Axes per statistic"):
        IntervalEstimatesDisplay.from_scores(
            scores, statistics=("mean",), n_resamples=100, axes=axes
        )
    with pytest.raises(TypeError, match="dict"):
        IntervalEstimatesDisplay.from_scores(np.ones((3, 2)))


def test_performance_profile_lines_and_bands(scores):
    fig, ax = plt.subplots()
    disp = PerformanceProfileDisplay.from_scores(
        scores, np.linspace(0.4, 1.1, 15), n_resamples=200, random_state=0, ax=ax
    )
    assert disp.ax_ is ax and sorted(disp.lines_) == ["A", "B", "C"]
    np.testing.assert_allclose(
        disp.lines_["A"].get_ydata(), disp.profiles["A"].estimate
    )
    assert len(ax.collections) == 3  # one band per algorithm
    no_band = PerformanceProfileDisplay.from_scores(scores, n_resamples=None)
    assert len(no_band.ax_.collections) == 0
    assert no_band.thresholds.shape == (101,)


def test_average_score_profile_with_task_bootstrap(scores):
    from skvariance.evaluation import performance_profile

    tau = np.linspace(0.4, 1.1, 15)
    disp = PerformanceProfileDisplay.from_scores(
        scores,
        tau,
        kind="average",
        task_bootstrap=True,
        n_resamples=200,
        random_state=0,
    )
    expected = performance_profile(
        scores["B"],
        tau,
        kind="average",
        n_resamples=200,
        task_bootstrap=True,
        random_state=0,
    )
    np.testing.assert_array_equal(disp.profiles["B"].low, expected.low)
    # the average profile moves in steps of 1 / n_tasks
    np.testing.assert_allclose(disp.lines_["B"].get_ydata() * 4 % 1, 0, atol=1e-12)
    assert "tasks" in disp.ax_.get_ylabel()


def test_probability_of_improvement_pairs(scores):
    disp = ProbabilityOfImprovementDisplay.from_scores(
        scores, pairs=[("A", "B"), ("C", "B")], n_resamples=300, random_state=0
    )
    assert list(disp.results) == ["A vs B", "C vs B"]
    assert len(disp.ax_.patches) == 2
    assert disp.results["A vs B"].estimate > 0.5
    with pytest.raises(ValueError, match="'D'"):
        ProbabilityOfImprovementDisplay.from_scores(scores, pairs=[("A", "D")])

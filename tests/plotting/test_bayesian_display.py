"""BayesianPosteriorDisplay: the posterior triangle, histogram and density."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skvariance.evaluation import (  # noqa: E402
    bayesian_correlated_ttest,
    bayesian_signed_rank_test,
)
from skvariance.plotting import BayesianPosteriorDisplay  # noqa: E402
from skvariance.plotting._bayesian import simplex_coordinates  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _pair(shift, seed=0, n=15):
    rng = np.random.RandomState(seed)
    b = rng.uniform(0.7, 0.9, n)
    return b + rng.normal(shift, 0.01, n), b


def test_simplex_corners_and_regions():
    # the corners: (1,0,0) -> B better at the bottom left, (0,0,1) -> A better
    # at the bottom right, (0,1,0) -> rope at the top; the centre is equal thirds
    corners = simplex_coordinates(np.eye(3))
    np.testing.assert_allclose(corners, [[0, 0], [0.5, np.sqrt(3) / 2], [1, 0]])
    centre = simplex_coordinates(np.full((1, 3), 1 / 3))
    np.testing.assert_allclose(centre, [[0.5, np.sqrt(3) / 6]])


def test_simplex_points_and_labels():
    a, b = _pair(0.01)
    res = bayesian_signed_rank_test(a, b, rope=0.01, n_samples=3000, random_state=0)
    disp = BayesianPosteriorDisplay.from_result(res, names=("SVC", "kNN"))
    assert disp.kind_ == "simplex"
    # the cloud: x = right + rope / 2, y = rope * sqrt(3) / 2
    s = res.samples
    np.testing.assert_allclose(disp.points_[:, 0], s[:, 2] + s[:, 1] / 2)
    np.testing.assert_allclose(disp.points_[:, 1], s[:, 1] * np.sqrt(3) / 2)
    texts = [t.get_text() for t in disp.ax_.texts]
    assert f"kNN better\np = {res.p_left:.3f}" in texts
    assert f"SVC better\np = {res.p_right:.3f}" in texts
    assert any(t.startswith("practically equivalent") for t in texts)


def test_histogram_without_rope_and_density_of_the_ttest():
    a, b = _pair(0.005)
    res = bayesian_signed_rank_test(a, b, n_samples=2000, random_state=0)
    disp = BayesianPosteriorDisplay.from_result(res)
    assert disp.kind_ == "histogram" and disp.points_ is None
    heights = [p.get_height() for p in disp.ax_.patches]
    assert sum(heights) == 2000
    rng = np.random.RandomState(0)
    x = 0.8 + 0.02 * rng.randn(3, 10)
    y = x + 0.008 + 0.01 * rng.randn(3, 10)
    tt = bayesian_correlated_ttest(y, x, n_train=90, n_test=10, rope=0.01)
    assert 0.05 < tt.prob_a_better < tt.prob_equivalent < 0.95
    disp = BayesianPosteriorDisplay.from_result(tt, names=("new", "old"))
    assert disp.kind_ == "density"
    legend = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert legend[1] == f"equivalent: {tt.prob_equivalent:.3f}"
    # the rope lines
    xs = sorted(line.get_xdata()[0] for line in disp.ax_.lines[1:])
    assert xs == [-0.01, 0.01]


def test_on_given_axes_and_bad_input():
    a, b = _pair(0.0)
    res = bayesian_signed_rank_test(a, b, rope=0.02, n_samples=500, random_state=0)
    fig, ax = plt.subplots()
    disp = BayesianPosteriorDisplay.from_result(res, ax=ax)
    assert disp.ax_ is ax and disp.figure_ is fig
    with pytest.raises(TypeError, match="BayesianSignedRankResult"):
        BayesianPosteriorDisplay.from_result(object())
    with pytest.raises(ValueError, match="names must be two strings"):
        BayesianPosteriorDisplay.from_result(res, names=("a",))


@pytest.mark.parametrize("kind", ["histogram", "density"])
def test_long_names_fit_in_every_kind(kind):
    from .test_display_layout import LONG, layout_problems

    a, b = _pair(0.005)
    if kind == "histogram":
        res = bayesian_signed_rank_test(a, b, n_samples=2000, random_state=0)
    else:
        rng = np.random.RandomState(0)
        x = 0.8 + 0.02 * rng.randn(3, 10)
        y = x + 0.008 + 0.01 * rng.randn(3, 10)
        res = bayesian_correlated_ttest(y, x, n_train=90, n_test=10, rope=0.01)
    disp = BayesianPosteriorDisplay.from_result(res, names=tuple(LONG[:2]))
    assert disp.kind_ == kind
    assert layout_problems(disp.figure_) == []

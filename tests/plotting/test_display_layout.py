"""Every Display draws a figure whose text fits: inside the figure, no overlap.

The Displays are found from ``skvariance.plotting.__all__``, so a new Display
fails :func:`test_every_display_has_a_builder` until it gets a builder below
(realistic inputs: long model names, several groups, small variances).
"""

import itertools

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import skvariance.plotting as plotting  # noqa: E402

LONG = [
    "HistGradientBoostingClassifier",
    "RandomForestClassifier(max_depth=8)",
    "LogisticRegression(C=0.1)",
    "naive_bayes.GaussianNB",
    "KNeighborsClassifier(n_neighbors=15)",
    "DummyClassifier(most_frequent)",
]


def _scores(n_runs=5, n_tasks=6):
    rng = np.random.RandomState(0)
    return {
        name: rng.normal(0.6 + 0.05 * i, 0.05, (n_runs, n_tasks))
        for i, name in enumerate(LONG[:4])
    }


def _coverage():
    rng = np.random.RandomState(0)
    n = 600
    y = rng.normal(size=n)
    levels = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
    half = (
        np.array([0.67, 0.84, 1.04, 1.28, 1.64, 1.96])
        * rng.uniform(0.8, 1.3, n)[:, None]
    )
    bounds = np.stack([-half, half], axis=1)
    groups = np.array(["north-east region", "south-west region", "centre"])[
        rng.randint(0, 3, n)
    ]
    return plotting.CoverageDisplay.from_predictions(
        y, bounds, levels, groups=groups, name="ConformalQuantileRegressor"
    )


def _seed_variance():
    # the magnitudes of the seed-lottery example (accuracy on breast cancer)
    rng = np.random.RandomState(0)
    scores = 0.95 + rng.normal(0, 0.02, (50, 5))
    return plotting.SeedVarianceDisplay(
        scores,
        {"seed": 1e-6, "split": 3.2e-4, "residual": 1.6e-4},
        components_ci={
            "seed": (0.0, 1e-5),
            "split": (1.2e-4, 2.7e-3),
            "residual": (1.4e-4, 1.9e-4),
        },
        binomial_variance=3.8e-4,
        within_split_seed_variance=1.6e-4,
        metric="balanced_accuracy",
    ).plot()


def _critical_difference():
    # the constructor, not from_scores: scipy's studentized range takes
    # seconds for six models, and the layout does not depend on it
    ranks = np.array([5.29, 4.71, 3.14, 3.29, 2.71, 1.86])
    return plotting.CriticalDifferenceDisplay(ranks, LONG, 2.015, pvalue=0.0012).plot()


def _hyperparameter_importance():
    # a result as hyperparameter_importance returns it (fitting a search
    # here would take seconds and change nothing in the layout)
    from skvariance.model_selection import HyperparameterImportanceResult

    result = HyperparameterImportanceResult(
        main_effects={"max_depth": 2.1e-3, "min_samples_leaf": 4.0e-4},
        interactions={("max_depth", "min_samples_leaf"): 1.5e-4},
        total_variance=2.9e-3,
        expected_noise={
            "max_depth": 2.0e-4,
            "min_samples_leaf": 1.0e-4,
            ("max_depth", "min_samples_leaf"): 2.0e-4,
        },
        seed_variance=3.0e-4,
        split_variance=6.0e-4,
        noise_variance=1.0e-4,
        method="anova",
        metric="balanced_accuracy",
        n_candidates=6,
    )
    return plotting.HyperparameterImportanceDisplay.from_result(result)


def _bayesian_posterior():
    # the triangle with the longest names and a rope of one point
    from skvariance.evaluation import bayesian_signed_rank_test

    rng = np.random.RandomState(0)
    b = rng.uniform(0.7, 0.9, 20)
    a = b + rng.normal(0.008, 0.01, 20)
    result = bayesian_signed_rank_test(a, b, rope=0.01, n_samples=5000, random_state=0)
    return plotting.BayesianPosteriorDisplay.from_result(result, names=LONG[:2])


BUILDERS = {
    "BayesianPosteriorDisplay": _bayesian_posterior,
    "CoverageDisplay": _coverage,
    "CriticalDifferenceDisplay": _critical_difference,
    "HyperparameterImportanceDisplay": _hyperparameter_importance,
    "IntervalEstimatesDisplay": lambda: plotting.IntervalEstimatesDisplay.from_scores(
        _scores(), n_resamples=200, random_state=0
    ),
    "PerformanceProfileDisplay": lambda: plotting.PerformanceProfileDisplay.from_scores(
        _scores(), n_resamples=200, random_state=0
    ),
    "ProbabilityOfImprovementDisplay": lambda: (
        plotting.ProbabilityOfImprovementDisplay.from_scores(
            _scores(), n_resamples=200, random_state=0
        )
    ),
    "ReliabilityDisplay": lambda: plotting.ReliabilityDisplay.from_predictions(
        np.random.RandomState(0).uniform(size=800) < np.linspace(0, 1, 800) ** 1.4,
        np.linspace(0, 1, 800),
        n_resamples=200,
        random_state=0,
        name=LONG[0],
    ),
    "SeedVarianceDisplay": _seed_variance,
}

DISPLAYS = sorted(name for name in plotting.__all__ if name.endswith("Display"))


def test_every_display_has_a_builder():
    assert set(DISPLAYS) == set(BUILDERS), (
        "add a builder with realistic inputs for every Display of skvariance.plotting"
    )


def _drawn_texts(fig):
    """Every non-empty text artist drawn in ``fig`` and its window extent.

    Recorded while drawing, so tick labels of ticks outside the view limits
    (which exist but are not drawn) are left out.
    """
    drawn = {}
    original = matplotlib.text.Text.draw

    def recording_draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn[id(self)] = (self, self.get_window_extent(renderer))

    matplotlib.text.Text.draw = recording_draw
    try:
        fig.canvas.draw()
    finally:
        matplotlib.text.Text.draw = original
    return list(drawn.values())


def _describe(artist):
    return f"{type(artist).__name__}({artist.get_text()!r})"


def layout_problems(fig, tol=0.5):
    """Texts outside the figure and pairs of overlapping texts (in pixels)."""
    texts = _drawn_texts(fig)
    box = fig.bbox
    problems = []
    for artist, ext in texts:
        if (
            ext.x0 < box.x0 - tol
            or ext.y0 < box.y0 - tol
            or ext.x1 > box.x1 + tol
            or ext.y1 > box.y1 + tol
        ):
            problems.append(f"{_describe(artist)} leaves the figure: {ext} vs {box}")
    for (a, ea), (b, eb) in itertools.combinations(texts, 2):
        if _overlap(ea, eb, tol):
            problems.append(f"{_describe(a)} overlaps {_describe(b)}")
    # a text of one panel (a tick label, an axis label) drawn over another
    # panel's plotting area
    owner = {
        id(text): ax for ax in fig.axes for text in ax.findobj(matplotlib.text.Text)
    }
    for artist, ext in texts:
        own = owner.get(id(artist))
        if own is None:
            continue
        for other in fig.axes:
            if other is own or not other.get_visible() or not other.axison:
                continue
            if np.allclose(other.bbox.bounds, own.bbox.bounds):
                continue  # a twin axes
            if _overlap(ext, other.bbox, tol):
                problems.append(f"{_describe(artist)} overlaps another panel")
    return problems


def _overlap(a, b, tol):
    overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
    overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap_x > tol and overlap_y > tol


@pytest.mark.parametrize("name", DISPLAYS)
def test_display_text_fits(name):
    display = BUILDERS[name]()
    assert isinstance(display, getattr(plotting, name))
    try:
        problems = layout_problems(display.figure_)
    finally:
        plt.close(display.figure_)
    assert not problems, "\n".join(problems)


def test_layout_problems_sees_a_clipped_and_an_overlapping_text():
    # the checker itself: a label past the right edge, two labels on top of
    # each other, and a clean figure
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(1.05, 0.5, "a label that runs off the figure", transform=ax.transAxes)
    problems = layout_problems(fig)
    plt.close(fig)
    assert any("leaves the figure" in p for p in problems)
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.text(0.2, 0.5, "first")
    ax.text(0.21, 0.5, "second")
    problems = layout_problems(fig)
    plt.close(fig)
    assert problems == ["Text('first') overlaps Text('second')"]
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    assert layout_problems(fig) == []
    plt.close(fig)

"""Critical-difference and hyperparameter-importance displays."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from skvariance.evaluation import friedman_nemenyi  # noqa: E402
from skvariance.model_selection import (  # noqa: E402
    SeedSearchCV,
    hyperparameter_importance,
)
from skvariance.plotting import (  # noqa: E402
    CriticalDifferenceDisplay,
    HyperparameterImportanceDisplay,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_critical_difference_cliques_follow_the_cd():
    rng = np.random.RandomState(0)
    scores = rng.rand(20, 5) + np.array([0.0, 0.05, 0.6, 0.65, 1.5])
    result = friedman_nemenyi(scores, names=list("ABCDE"))
    disp = CriticalDifferenceDisplay.from_result(result)
    order = np.argsort(result.ranks)
    for clique in disp.cliques_:
        ranks = [result.ranks[result.names.index(n)] for n in clique]
        assert max(ranks) - min(ranks) <= result.critical_difference
        # maximal: the next model by rank would break the clique
        last = list(order).index(result.names.index(clique[-1]))
        if last + 1 < len(order):
            nxt = result.ranks[order[last + 1]]
            assert nxt - min(ranks) > result.critical_difference
    assert disp.cliques_[0][0] == "E"  # the best model, leftmost
    texts = [t.get_text() for t in disp.ax_.texts]
    assert f"CD = {result.critical_difference:.2f}" in texts
    assert any(t.startswith("E (") for t in texts)


def test_critical_difference_from_scores_on_given_axes():
    fig, ax = plt.subplots()
    scores = np.random.RandomState(1).rand(8, 3)
    disp = CriticalDifferenceDisplay.from_scores(scores, names=["x", "y", "z"], ax=ax)
    assert disp.ax_ is ax and disp.figure_ is fig
    with pytest.raises(ValueError, match="names"):
        CriticalDifferenceDisplay([1.0, 2.0], ["a"], 0.5).plot()


def test_importance_display_bars_and_noise_line():
    X, y = make_classification(n_samples=150, random_state=0)
    search = SeedSearchCV(
        DecisionTreeClassifier(max_features=3),
        {"max_depth": [1, 3, 6], "min_samples_leaf": [1, 5]},
        n_seeds=3,
        cv=3,
        random_state=0,
    ).fit(X, y)
    result = hyperparameter_importance(search)
    disp = HyperparameterImportanceDisplay.from_result(result, top_interactions=1)
    assert disp.labels_[:2] == sorted(
        result.main_effects, key=result.main_effects.get, reverse=True
    )
    assert disp.labels_[2] == "max_depth x min_samples_leaf"
    assert disp.labels_[3:] == ["seed (one score)", "split (one score)"]
    widths = [p.get_width() for p in disp.ax_.patches]
    assert widths[0] == pytest.approx(np.sqrt(max(result.main_effects.values())))
    assert widths[3] == pytest.approx(np.sqrt(result.seed_variance))
    # each effect's tick is its own expected noise, (L - 1) sigma^2 / N, not
    # the noise of one candidate's mean: 3 levels of max_depth, 2 of
    # min_samples_leaf, 6 candidates
    noise = result.noise_variance
    expected = {
        "max_depth": np.sqrt(2 * noise / 6),
        "min_samples_leaf": np.sqrt(1 * noise / 6),
        "max_depth x min_samples_leaf": np.sqrt(2 * 1 * noise / 6),
    }
    assert disp.noise_markers_ == pytest.approx(expected)
    (ticks,) = disp.ax_.collections
    offsets = ticks.get_offsets()
    rows = {label: i for i, label in enumerate(disp.labels_[::-1])}
    for x, yv in offsets:
        label = disp.labels_[::-1][int(round(yv))]
        assert x == pytest.approx(expected[label])
    assert len(offsets) == len(rows) - 2  # no tick on the seed and split bars
    assert not [ln for ln in disp.ax_.lines if ln.get_linestyle() == "--"]


def test_importance_display_without_seeds():
    X, y = make_classification(n_samples=150, random_state=0)
    search = GridSearchCV(
        DecisionTreeClassifier(random_state=0), {"max_depth": [1, 3, 6]}, cv=3
    ).fit(X, y)
    disp = HyperparameterImportanceDisplay.from_search(search)
    assert disp.labels_ == ["max_depth", "split (one score)"]

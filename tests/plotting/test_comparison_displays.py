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
    # each share is written past its bar and past its noise tick, never on it
    shares = {int(round(t.get_position()[1])): t for t in disp.ax_.texts}
    assert len(shares) == 3
    for yv, text in shares.items():
        label = disp.labels_[::-1][yv]
        bar = np.sqrt(max(result.main_effects.get(label, 0.0), 0.0))
        if label not in result.main_effects:
            bar = np.sqrt(max(next(iter(result.interactions.values())), 0.0))
        assert text.get_position()[0] == pytest.approx(max(bar, expected[label]))
    assert any(
        text.get_position()[0] > widths[len(disp.labels_) - 1 - yv]
        for yv, text in shares.items()
    ), "no share sits past a noise tick longer than its bar: the test misses it"


def test_importance_display_without_seeds():
    X, y = make_classification(n_samples=150, random_state=0)
    search = GridSearchCV(
        DecisionTreeClassifier(random_state=0), {"max_depth": [1, 3, 6]}, cv=3
    ).fit(X, y)
    disp = HyperparameterImportanceDisplay.from_search(search)
    assert disp.labels_ == ["max_depth", "split (one score)"]


def _title(disp):
    return disp.ax_.get_title()


def test_critical_difference_says_when_friedman_does_not_reject():
    rng = np.random.RandomState(0)
    noise = rng.rand(8, 4)  # no model is better: Friedman does not reject
    result = friedman_nemenyi(noise, names=list("ABCD"))
    assert result.pvalue > 0.05
    disp = CriticalDifferenceDisplay.from_result(result)
    assert "does not reject" in _title(disp)
    assert f"p = {result.pvalue:.3g} > 0.05" in _title(disp)
    assert disp.cliques_  # the diagram is still drawn
    clear = rng.rand(12, 4) + np.array([0.0, 0.5, 1.0, 1.5])
    result = friedman_nemenyi(clear, names=list("ABCD"))
    assert result.pvalue < 0.05
    disp = CriticalDifferenceDisplay.from_result(result)
    assert "does not reject" not in _title(disp)
    assert f"p = {result.pvalue:.3g} <= 0.05" in _title(disp)


def test_critical_difference_from_compare_estimators_result():
    from scipy import stats
    from sklearn.dummy import DummyClassifier
    from sklearn.naive_bayes import GaussianNB

    from skvariance.model_selection import compare_estimators

    X, y = make_classification(n_samples=120, random_state=0)
    names = ["nb", "tree", "dummy"]
    res = compare_estimators(
        dict(
            zip(
                names,
                [GaussianNB(), DecisionTreeClassifier(max_depth=2), DummyClassifier()],
            )
        ),
        X,
        y,
        cv=3,
        n_seeds=2,
        random_state=0,
    )
    disp = CriticalDifferenceDisplay.from_result(res)
    # blocks: the 6 (seed, split) cells; ranks and Friedman from scipy
    table = np.column_stack([res.scores[n].ravel() for n in names])
    np.testing.assert_allclose(disp.ranks, stats.rankdata(-table, axis=1).mean(axis=0))
    _, pvalue = stats.friedmanchisquare(*table.T)
    assert disp.pvalue == pytest.approx(pvalue, rel=1e-12)
    assert "6 CV cells of one data set" in _title(disp)


def test_critical_difference_from_benchmark_result():
    from sklearn.dummy import DummyClassifier
    from sklearn.model_selection import KFold
    from sklearn.naive_bayes import GaussianNB

    from skvariance.model_selection import benchmark_estimators

    datasets = {
        f"d{s}": make_classification(n_samples=60, random_state=s) for s in range(3)
    }
    res = benchmark_estimators(
        {"nb": GaussianNB(), "dummy": DummyClassifier()}, datasets, cv=KFold(2)
    )
    disp = CriticalDifferenceDisplay.from_result(res)
    np.testing.assert_array_equal(disp.ranks, res.ranks)
    assert disp.names == ["nb", "dummy"]
    assert disp.critical_difference == res.critical_difference
    assert disp.pvalue == res.pvalue


def test_critical_difference_from_result_rejects_other_objects():
    with pytest.raises(TypeError, match="FriedmanNemenyiResult"):
        CriticalDifferenceDisplay.from_result({"ranks": [1, 2]})

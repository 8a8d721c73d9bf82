"""Tests for coverage_by_group, size_stratified_coverage and worst_slab_coverage."""

import numpy as np
import pytest
from scipy.stats import binomtest

from skvariance.metrics import (
    coverage_by_group,
    size_stratified_coverage,
    worst_slab_coverage,
)


def _intervals(seed=0, n=60):
    rng = np.random.RandomState(seed)
    y = rng.normal(size=n)
    centre = y + rng.normal(scale=0.8, size=n)
    half = rng.uniform(0.2, 2.0, size=n)
    iv = np.column_stack([centre - half, centre + half])
    iv[:3, 1] = np.inf  # an infinite upper bound covers its side
    iv[3, 0] = -np.inf
    return y, iv


def _sets(seed=1, n=80, k=4):
    rng = np.random.RandomState(seed)
    sets = rng.uniform(size=(n, k)) < 0.45
    y = rng.randint(k, size=n)
    return y, sets


def _cover_by_hand(y, pred):
    if pred.dtype == bool:
        return np.array([pred[i, y[i]] for i in range(len(y))])
    return np.array([pred[i, 0] <= y[i] <= pred[i, 1] for i in range(len(y))])


def test_coverage_by_group_matches_hand_counts_and_exact_intervals():
    y, iv = _intervals()
    groups = np.array(["u", "v", "w"])[np.arange(60) % 3]
    res = coverage_by_group(y, iv, groups, confidence_level=0.9)
    hit = _cover_by_hand(y, iv)
    assert res.groups.tolist() == ["u", "v", "w"]
    for k, g in enumerate(["u", "v", "w"]):
        h = hit[groups == g]
        assert res.counts[k] == h.size
        assert res.coverage[k] == pytest.approx(h.mean(), rel=1e-15)
        ci = binomtest(int(h.sum()), h.size).proportion_ci(0.9, method="exact")
        assert res.low[k] == pytest.approx(ci.low, rel=1e-9, abs=1e-12)
        assert res.high[k] == pytest.approx(ci.high, rel=1e-9, abs=1e-12)
    assert res.marginal_coverage == pytest.approx(hit.mean())
    assert hit[:4].all()


def test_coverage_by_group_sets_with_class_labels():
    y, sets = _sets()
    names = np.array(["a", "b", "c", "d"])
    groups = y % 2
    by_index = coverage_by_group(y, sets, groups)
    by_label = coverage_by_group(names[y], sets, groups, classes=names)
    hit = _cover_by_hand(y, sets)
    np.testing.assert_array_equal(by_index.coverage, by_label.coverage)
    np.testing.assert_allclose(
        by_index.coverage, [hit[groups == 0].mean(), hit[groups == 1].mean()]
    )
    # unsorted classes_ are matched by label, not by position
    perm = np.array([2, 0, 3, 1])
    res = coverage_by_group(names[y], sets[:, perm], groups, classes=names[perm])
    np.testing.assert_array_equal(res.coverage, by_index.coverage)


def test_coverage_by_feature_bins():
    y, iv = _intervals(seed=5, n=90)
    rng = np.random.RandomState(2)
    feature = rng.uniform(-2, 2, size=90)
    hit = _cover_by_hand(y, iv)
    res = coverage_by_group(y, iv, feature, bins=[-2, -0.5, 0.0, 2])
    masks = [
        feature <= -0.5,
        (feature > -0.5) & (feature <= 0.0),
        feature > 0.0,
    ]
    np.testing.assert_allclose(res.coverage, [hit[m].mean() for m in masks])
    assert res.counts.tolist() == [int(m.sum()) for m in masks]
    np.testing.assert_array_equal(res.bin_low, [-2, -0.5, 0.0])
    # an integer: bins at the quantiles, about equal counts
    res = coverage_by_group(y, iv, feature, bins=3)
    assert res.counts.tolist() == [30, 30, 30]
    edges = np.quantile(feature, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(res.edges, edges)
    low = feature <= edges[1]
    assert res.coverage[0] == pytest.approx(hit[low].mean())


def test_size_stratified_sets_by_hand():
    y, sets = _sets(seed=3)
    hit = _cover_by_hand(y, sets)
    size = sets.sum(axis=1)
    res = size_stratified_coverage(y, sets)
    sizes = np.unique(size)
    assert res.groups.tolist() == sizes.tolist()
    np.testing.assert_allclose(res.coverage, [hit[size == s].mean() for s in sizes])
    # two strata: sizes {0, 1, 2} and {3, 4}
    res = size_stratified_coverage(y, sets, bins=2)
    np.testing.assert_allclose(
        res.coverage, [hit[size <= 2].mean(), hit[size >= 3].mean()]
    )
    assert res.size_low.tolist() == [0, 3] and res.size_high.tolist() == [2, 4]


def test_size_stratified_intervals_by_hand():
    y, iv = _intervals(seed=7, n=61)
    hit = _cover_by_hand(y, iv)
    width = iv[:, 1] - iv[:, 0]
    order = np.argsort(width, kind="stable")
    res = size_stratified_coverage(y, iv, bins=4)
    parts = [order[:16], order[16:31], order[31:46], order[46:]]
    np.testing.assert_allclose(res.coverage, [hit[p].mean() for p in parts])
    assert res.counts.tolist() == [16, 15, 15, 15]
    assert res.size_high[-1] == np.inf


def test_size_stratified_equals_mapie():
    mapie_cls = pytest.importorskip("mapie.metrics.classification")
    mapie_reg = pytest.importorskip("mapie.metrics.regression")
    rng = np.random.RandomState(13)
    k, n = 5, 200
    # every size 0..5 present so that no MAPIE stratum is empty
    sizes = np.concatenate([np.arange(k + 1), rng.randint(0, k + 1, size=n - k - 1)])
    sets = np.zeros((n, k), dtype=bool)
    for i, s in enumerate(sizes):
        sets[i, rng.choice(k, size=s, replace=False)] = True
    y = rng.randint(k, size=n)
    for bins in (None, 2, 3):
        ours = size_stratified_coverage(y, sets, bins=bins).coverage
        theirs = mapie_cls.classification_ssc(y, sets, num_bins=bins)[0]
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    yr = rng.normal(size=n)
    c = yr + rng.normal(size=n)
    h = rng.uniform(0.1, 3, size=n)  # distinct widths
    iv = np.column_stack([c - h, c + h])
    for bins in (2, 3, 7):
        ours = size_stratified_coverage(yr, iv, bins=bins).coverage
        theirs = mapie_reg.regression_ssc(yr, iv, num_bins=bins)[0]
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def _brute_worst_slab(z, hit, m):
    """Every slab [a, b] with a <= b among the projected values, by brute force."""
    values = np.unique(z)
    best = 2.0
    for a in values:
        for b in values[values >= a]:
            inside = (z >= a) & (z <= b)
            if inside.sum() >= m:
                best = min(best, hit[inside].mean())
    return best


def _directions(seed, n_directions, p):
    g = np.random.RandomState(seed).normal(size=(n_directions, p))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


@pytest.mark.parametrize("delta", [0.1, 0.25, 0.5])
def test_worst_slab_equals_brute_force(delta):
    rng = np.random.RandomState(17)
    n = 30
    X = rng.normal(size=(n, 2))
    X[5] = X[4]  # duplicated rows are in or out of a slab together
    X[9] = X[4]
    y, iv = _intervals(seed=4, n=n)
    iv[(X[:, 0] > 0.5), 1] = iv[(X[:, 0] > 0.5), 0]  # misses where x0 > 0.5
    hit = _cover_by_hand(y, iv)
    m = int(np.ceil(delta * n))
    res = worst_slab_coverage(X, y, iv, delta=delta, n_directions=12, random_state=3)
    dirs = _directions(3, 12, 2)
    brute = [_brute_worst_slab(X @ v, hit, m) for v in dirs]
    assert res.coverage == pytest.approx(min(brute), abs=1e-15)
    col = int(np.argmin(brute))
    np.testing.assert_allclose(res.direction, dirs[col])
    z = X @ res.direction
    inside = (z >= res.a) & (z <= res.b)
    assert inside.sum() == res.count >= m == res.min_count
    assert hit[inside].mean() == pytest.approx(res.coverage, abs=1e-15)


def test_worst_slab_sets_and_full_mass():
    y, sets = _sets(seed=9, n=40)
    X = np.random.RandomState(0).normal(size=(40, 3))
    hit = _cover_by_hand(y, sets)
    # delta = 1: the only slab is the whole sample
    res = worst_slab_coverage(X, y, sets, delta=1.0, n_directions=3, random_state=0)
    assert res.coverage == pytest.approx(hit.mean()) == res.marginal_coverage
    assert res.count == 40
    res = worst_slab_coverage(X, y, sets, delta=0.2, n_directions=50, random_state=0)
    brute = min(
        _brute_worst_slab(X @ v, hit.astype(float), 8) for v in _directions(0, 50, 3)
    )
    assert res.coverage == pytest.approx(brute, abs=1e-15)


def test_worst_slab_finds_the_undercovered_region():
    # intervals too narrow where x0 > 1: the worst slab is there
    rng = np.random.RandomState(0)
    n = 1000
    X = rng.normal(size=(n, 2))
    noise = rng.normal(size=n) * np.where(X[:, 0] > 1, 3.0, 1.0)
    iv = np.column_stack([np.full(n, -1.645), np.full(n, 1.645)])
    res = worst_slab_coverage(X, noise, iv, delta=0.1, n_directions=200, random_state=0)
    assert res.marginal_coverage > 0.8
    assert res.coverage < 0.5
    assert abs(res.direction[0]) > 0.8


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"delta": 0.0}, "delta"),
        ({"delta": 1.5}, "delta"),
        ({"n_directions": 0}, "n_directions"),
    ],
)
def test_worst_slab_bad_parameters(kwargs, match):
    y, iv = _intervals(n=10)
    with pytest.raises(ValueError, match=match):
        worst_slab_coverage(np.zeros((10, 2)), y, iv, **kwargs)


def test_bad_predictions_rejected():
    y, iv = _intervals(n=10)
    with pytest.raises(ValueError, match="lower must not exceed upper"):
        coverage_by_group(y[4:], iv[4:, ::-1], np.zeros(6))
    with pytest.raises(ValueError, match="cast to bool"):
        coverage_by_group(y, np.zeros((10, 3)), np.zeros(10))
    with pytest.raises(ValueError, match="NaN"):
        bad = iv.copy()
        bad[0, 0] = np.nan
        size_stratified_coverage(y, bad)
    with pytest.raises(ValueError, match="entries"):
        coverage_by_group(y, iv, np.zeros(9))
    with pytest.raises(ValueError, match="outside the bin"):
        coverage_by_group(y, iv, np.arange(10.0), bins=[0, 5])
    with pytest.raises(ValueError, match="strictly increasing"):
        coverage_by_group(y, iv, np.arange(10.0), bins=[0, 5, 5, 9])
    with pytest.raises(ValueError, match="not a column"):
        coverage_by_group([0, 5], np.ones((2, 3), dtype=bool), [0, 0])
    with pytest.raises(ValueError, match="column indices"):
        size_stratified_coverage(["a", "b"], np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="X has"):
        worst_slab_coverage(np.zeros((9, 2)), y, iv)
    with pytest.raises(ValueError, match="X contains"):
        worst_slab_coverage(np.full((10, 2), np.nan), y, iv)

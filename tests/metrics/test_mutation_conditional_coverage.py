"""Tests added after mutation testing of the conditional-coverage diagnostics."""

import numpy as np
import pytest

from skvariance.metrics import size_stratified_coverage


def test_size_strata_report_their_sizes_and_read_class_labels():
    rng = np.random.RandomState(4)
    sets = rng.uniform(size=(60, 3)) < 0.5
    y = rng.randint(3, size=60)
    names = np.array(["lo", "mid", "hi"])
    by_label = size_stratified_coverage(names[y], sets, classes=names)
    sizes = np.unique(sets.sum(axis=1))
    assert by_label.size_low.tolist() == sizes.tolist()
    assert by_label.size_high.tolist() == sizes.tolist()
    hit = sets[np.arange(60), y]
    size = sets.sum(axis=1)
    np.testing.assert_allclose(
        by_label.coverage, [hit[size == s].mean() for s in sizes]
    )


def test_size_ranges_are_floats_and_intervals_default_to_three_strata():
    rng = np.random.RandomState(6)
    sets = rng.uniform(size=(40, 4)) < 0.5
    y = rng.randint(4, size=40)
    res = size_stratified_coverage(y, sets, bins=2)
    assert res.size_low.dtype == res.size_high.dtype == np.float64
    assert res.size_low.tolist() == [0.0, 3.0]
    assert res.size_high.tolist() == [2.0, 4.0]
    res = size_stratified_coverage(y, sets)
    assert res.size_low.dtype == res.size_high.dtype == np.float64
    # intervals: bins=None means three strata of equal counts by width
    yr = rng.normal(size=30)
    half = rng.uniform(0.1, 2.0, size=30)
    iv = np.column_stack([-half, half])
    res = size_stratified_coverage(yr, iv)
    assert res.counts.tolist() == [10, 10, 10]
    order = np.argsort(half)
    hit = np.abs(yr) <= half
    np.testing.assert_allclose(
        res.coverage, [hit[order[k * 10 : (k + 1) * 10]].mean() for k in range(3)]
    )


def test_interval_strata_break_ties_by_row_order():
    # two widths in random order: an unstable sort would mix the tied rows
    rng = np.random.RandomState(0)
    half = 1.0 + rng.randint(2, size=100)
    y = rng.normal(scale=1.5, size=100)
    iv = np.column_stack([-half, half])
    hit = np.abs(y) <= half
    order = np.argsort(half, kind="stable")
    res = size_stratified_coverage(y, iv, bins=4)
    np.testing.assert_allclose(
        res.coverage, [hit[order[k * 25 : (k + 1) * 25]].mean() for k in range(4)]
    )
    # 44 rows of width 2: strata of 25 hold widths {2}, {2, 4}, {4}, {4}
    assert int((half == 1).sum()) == 44
    assert res.size_low.tolist() == [2.0, 2.0, 4.0, 4.0]
    assert res.size_high.tolist() == [2.0, 4.0, 4.0, 4.0]


def test_as_many_interval_strata_as_rows_and_no_more():
    y = np.array([0.0, 1.0, 2.0])
    iv = np.array([[-1.0, 1.0], [0.0, 0.5], [1.0, 4.0]])
    res = size_stratified_coverage(y, iv, bins=3)
    assert res.counts.tolist() == [1, 1, 1]
    assert res.size_low.tolist() == res.size_high.tolist() == [0.5, 2.0, 3.0]
    assert res.coverage.tolist() == [0.0, 1.0, 1.0]  # widths 0.5, 2, 3
    with pytest.raises(
        ValueError, match=r"^bins=4 strata need at least 4 rows, got 3\.$"
    ):
        size_stratified_coverage(y, iv, bins=4)


@pytest.mark.parametrize(
    "hits, delta, worst",
    [
        # the worst slab is longer than the minimum mass: rows 0..5, 4 of 6
        ([0, 1, 1, 1, 1, 0, 1], 4 / 7, 4 / 6),
        # two fractions 1/5 < 1/4 closer than 1.25 / n**2 apart
        ([1, 0, 0, 1, 0, 0], 4 / 6, 1 / 5),
    ],
)
def test_worst_slab_is_exact_on_a_line(hits, delta, worst):
    from skvariance.metrics import worst_slab_coverage

    n = len(hits)
    X = np.arange(n, dtype=float)[:, None]
    # covered rows get [-1, 1] around y = 0, missed rows [1, 2]
    lower = np.where(np.array(hits) == 1, -1.0, 1.0)
    iv = np.column_stack([lower, lower + 2 - np.array(hits)])
    res = worst_slab_coverage(X, np.zeros(n), iv, delta=delta, random_state=0)
    assert res.coverage == pytest.approx(worst, abs=1e-15)
    z = X[:, 0] * res.direction[0]
    inside = (z >= res.a) & (z <= res.b)
    assert np.mean(np.array(hits)[inside]) == pytest.approx(worst, abs=1e-15)


def test_exact_intervals_at_zero_one_and_all_covered():
    from scipy.stats import binomtest

    from skvariance.metrics import coverage_by_group

    # group a: 0 of 3 covered, b: 1 of 4, c: 5 of 5
    covered = [0, 0, 0] + [1, 0, 0, 0] + [1] * 5
    groups = ["a"] * 3 + ["b"] * 4 + ["c"] * 5
    lower = np.where(np.array(covered) == 1, -1.0, 1.0)
    iv = np.column_stack([lower, lower + 2])
    res = coverage_by_group(np.zeros(12), iv, groups, confidence_level=0.9)
    assert res.low.dtype == res.high.dtype == np.float64
    for k, (x, n) in enumerate([(0, 3), (1, 4), (5, 5)]):
        ci = binomtest(x, n).proportion_ci(0.9, method="exact")
        assert res.low[k] == pytest.approx(ci.low, abs=1e-12)
        assert res.high[k] == pytest.approx(ci.high, abs=1e-12)
    assert res.low[0] == 0.0 and res.high[2] == 1.0


def test_empty_bins_are_left_out_at_the_end_and_in_the_middle():
    from skvariance.metrics import coverage_by_group

    feature = np.array([0.1, 0.2, 0.3, 2.5, 2.6])
    iv = np.tile([-1.0, 1.0], (5, 1))
    y = np.array([0.0, 5.0, 0.0, 0.0, 5.0])
    res = coverage_by_group(y, iv, feature, bins=[0, 1, 2, 3, 4])
    assert res.groups.tolist() == [0, 2]
    assert res.counts.tolist() == [3, 2]
    assert res.coverage.tolist() == [2 / 3, 0.5]
    assert res.bin_low.tolist() == [0.0, 2.0]


def test_worst_slab_messages_labels_and_single_row_slabs():
    from skvariance.metrics import worst_slab_coverage

    y = np.zeros(10)
    iv = np.tile([-1.0, 1.0], (10, 1))
    iv[4] = [1.0, 2.0]  # row 4 alone is missed
    X = np.arange(10.0)[:, None]
    # delta * n = 1: a slab may be a single row
    res = worst_slab_coverage(X, y, iv, delta=0.1, random_state=0)
    assert (res.coverage, res.count, res.min_count) == (0.0, 1, 1)
    assert res.a == res.b == 4.0 * res.direction[0]
    with pytest.raises(TypeError, match=r"^X must be numeric, got dtype <U1\.$"):
        worst_slab_coverage(np.full((10, 1), "a"), y, iv)
    with pytest.raises(
        ValueError, match=r"^X must be 2-d \(n_samples, n_features\), got \(10,\)\.$"
    ):
        worst_slab_coverage(np.arange(10.0), y, iv)
    with pytest.raises(ValueError, match=r"^X contains NaN or infinity\.$"):
        worst_slab_coverage(np.full((10, 2), np.inf), y, iv)
    with pytest.raises(ValueError, match=r"^X has 9 rows, y_pred has 10\.$"):
        worst_slab_coverage(np.zeros((9, 2)), y, iv)
    # prediction sets with class labels
    names = np.array(["u", "v"])
    sets = np.ones((10, 2), dtype=bool)
    sets[4] = [False, True]
    res = worst_slab_coverage(
        X, names[np.zeros(10, int)], sets, delta=0.1, classes=names
    )
    assert (res.coverage, res.count) == (0.0, 1)


def test_worst_slab_parameters_and_blocks_of_directions(monkeypatch):
    import skvariance.metrics._conditional_coverage as cc
    from skvariance.metrics import coverage_by_group, worst_slab_coverage

    rng = np.random.RandomState(1)
    X = rng.normal(size=(10, 2))
    y = rng.normal(size=10)
    iv = np.tile([-0.8, 0.8], (10, 1))
    whole = worst_slab_coverage(X, y, iv, delta=0.3, n_directions=40, random_state=2)
    assert (
        worst_slab_coverage(X, y, iv, random_state=2).direction.tolist()
        == (
            worst_slab_coverage(X, y, iv, n_directions=1000, random_state=2)
        ).direction.tolist()
    )
    one = worst_slab_coverage(X, y, iv, delta=0.3, n_directions=1, random_state=2)
    assert one.coverage >= whole.coverage
    # directions in blocks of 3: the same worst slab and the first direction
    # reaching it
    monkeypatch.setattr(cc, "_SLAB_BLOCK", 30)
    blocked = worst_slab_coverage(X, y, iv, delta=0.3, n_directions=40, random_state=2)
    assert blocked.coverage == whole.coverage
    np.testing.assert_array_equal(blocked.direction, whole.direction)
    dirs = rng.__class__(2).normal(size=(40, 2))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    hit = (np.abs(y) <= 0.8).astype(float)
    from .test_conditional_coverage import _brute_worst_slab

    brute = [_brute_worst_slab(X @ v, hit, 3) for v in dirs]
    np.testing.assert_allclose(whole.direction, dirs[int(np.argmin(brute))])
    for bad, kind, msg in [
        (
            {"delta": "0.1"},
            TypeError,
            r"^delta must be a float in \(0, 1\], got str\.$",
        ),
        (
            {"delta": True},
            TypeError,
            r"^delta must be a float in \(0, 1\], got bool\.$",
        ),
        (
            {"n_directions": 2.0},
            TypeError,
            r"^n_directions must be an integer, got float\.$",
        ),
        (
            {"n_directions": True},
            TypeError,
            r"^n_directions must be an integer, got bool\.$",
        ),
    ]:
        with pytest.raises(kind, match=msg):
            worst_slab_coverage(X, y, iv, **bad)
    res = coverage_by_group(y, iv, np.arange(10) % 2, confidence_level=0.9)
    assert res.confidence_level == 0.9

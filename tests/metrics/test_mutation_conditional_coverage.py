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

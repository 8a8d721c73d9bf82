"""Group-code kernels against their NumPy references (bincount, stable
argsort, a dictionary lookup), extreme int64 values included."""

import numpy as np
import pytest

from skvariance._kernels._groups import count_codes, lookup_codes, stable_group_order

I64 = np.iinfo(np.int64)


@pytest.mark.parametrize("n_groups", [1, 3, 40])
def test_count_codes_is_bincount(n_groups):
    codes = np.random.RandomState(n_groups).randint(0, n_groups, 500)
    counts = np.zeros(n_groups + 2, dtype=np.intp)  # room past the last code
    count_codes(codes, counts)
    np.testing.assert_array_equal(counts, np.bincount(codes, minlength=n_groups + 2))


@pytest.mark.parametrize("n_groups", [1, 2, 5, 300])
def test_stable_group_order_is_stable_argsort(n_groups):
    # many rows per code: a sort that is not stable (or runs backwards)
    # reorders the rows within a group
    codes = np.random.RandomState(n_groups).randint(0, n_groups, 1000)
    sizes = np.zeros(n_groups, dtype=np.intp)
    order = np.empty(codes.size, dtype=np.intp)
    stable_group_order(codes, sizes, order)
    np.testing.assert_array_equal(order, np.argsort(codes, kind="stable"))
    np.testing.assert_array_equal(sizes, np.bincount(codes, minlength=n_groups))


def test_stable_group_order_empty_groups_and_no_rows():
    sizes = np.zeros(4, dtype=np.intp)
    order = np.empty(5, dtype=np.intp)
    stable_group_order(np.array([3, 0, 3, 0, 3]), sizes, order)
    np.testing.assert_array_equal(sizes, [2, 0, 0, 3])
    np.testing.assert_array_equal(order, [1, 3, 0, 2, 4])
    sizes = np.zeros(2, dtype=np.intp)
    stable_group_order(np.empty(0, dtype=np.intp), sizes, np.empty(0, dtype=np.intp))
    np.testing.assert_array_equal(sizes, [0, 0])


def _lookup_reference(values, labels):
    where = {int(v): i for i, v in enumerate(labels)}
    missing = sum(int(v) not in where for v in values)
    return [where.get(int(v), -1) for v in values], missing


@pytest.mark.parametrize(
    "labels, values",
    [
        ([0, 1, 2, 3], [3, 0, 2, 2, 1]),  # all seen
        ([5, 7, 8], [7, 8, 5, 6]),  # 6 lies inside the range, not a label
        ([5, 7, 8], [4, 9, 7]),  # below and above the range
        ([-3, 0, 2], [-3, 2, -4, 3]),
        # near the int64 limits: a subtraction before the range check would
        # wrap around into the table
        ([I64.max - 2, I64.max], [I64.min, I64.min + 2, I64.max]),
        ([I64.min, I64.min + 1], [I64.max, I64.min + 1, -1]),
    ],
)
def test_lookup_codes_against_dictionary(labels, values):
    labels = np.array(labels, dtype=np.int64)
    values = np.array(values, dtype=np.int64)
    low, high = int(labels[0]), int(labels[-1])
    table = np.full(high - low + 1, -1, dtype=np.intp)
    table[labels - low] = np.arange(labels.size)
    out = np.full(values.size, -7, dtype=np.intp)
    missing = lookup_codes(values, low, high, table, out)
    want, want_missing = _lookup_reference(values, labels)
    assert missing == want_missing
    seen = np.array(want) >= 0
    np.testing.assert_array_equal(out[seen], np.array(want)[seen])

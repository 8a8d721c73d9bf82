"""``encode_groups(groups, rows=...)`` codes only the calibration rows.

``calibration_groups`` no longer codes every row to keep the calibration
rows' codes: the reference is ``np.unique(groups, return_inverse=True)``
(labels of every row, inverse taken at ``rows``), for the counting path
(integers of a small range) and the sorting path (anything else).
"""

from __future__ import annotations

import numpy as np
import pytest

from skvariance.calibration.base import calibration_groups, encode_groups

RNG = np.random.RandomState(0)
GROUPS = {
    "small_ints": RNG.randint(0, 4, size=200),
    "negative_ints": RNG.randint(-7, -2, size=200),
    "uint8_full_range": np.array([0, 255, 7, 255, 0, 9] * 20, dtype=np.uint8),
    "int8_extremes": np.array([-128, 127, 0, 127] * 30, dtype=np.int8),
    "wide_span": RNG.choice([0, 10**9, -(10**9)], size=200),  # sorting path
    "strings": np.array(["b", "a", "c"])[RNG.randint(0, 3, size=200)],
    "floats": RNG.choice([0.5, -1.0, 2.25], size=200),
    "one_label": np.full(200, 3),
}


def _reference(groups, rows):
    labels, inverse = np.unique(groups, return_inverse=True)
    return labels, inverse.reshape(-1)[rows]


@pytest.mark.parametrize("name", sorted(GROUPS))
@pytest.mark.parametrize("kind", ["all", "subset", "duplicates", "empty"])
def test_encode_groups_rows_matches_unique(name, kind):
    groups = GROUPS[name]
    rows = {
        "all": np.arange(groups.size),
        "subset": np.sort(RNG.permutation(groups.size)[:50]),
        "duplicates": np.array([5, 5, 0, groups.size - 1, 0]),
        "empty": np.array([], dtype=np.intp),
    }[kind]
    labels, codes = encode_groups(groups, rows=rows)
    ref_labels, ref_codes = _reference(groups, rows)
    assert labels.dtype == ref_labels.dtype and np.array_equal(labels, ref_labels)
    assert codes.shape == ref_codes.shape and np.array_equal(codes, ref_codes)
    # without rows: every row, as before
    all_labels, all_codes = encode_groups(groups)
    assert np.array_equal(all_labels, ref_labels)
    assert np.array_equal(all_codes, np.unique(groups, return_inverse=True)[1])
    assert np.array_equal(all_codes[rows], codes)


def test_calibration_groups_keeps_groups_without_calibration_rows():
    groups = np.array([3, 1, 1, 7, 3, 1, 9, 9])
    cal = np.array([1, 2, 4])  # groups 7 and 9 have no calibration row
    labels, codes = calibration_groups(groups, cal)
    assert labels.tolist() == [1, 3, 7, 9]
    assert codes.tolist() == [0, 0, 1]
    assert calibration_groups(None, cal) is None

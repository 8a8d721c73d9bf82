"""Mutation tests of the table path of Mondrian test-group coding.

``calibration.base._small_int_codes`` codes int64 test groups through a table
of the fitted labels, or returns None so that the general ``searchsorted``
path runs. Both give the same codes, so the output of the estimators cannot
tell which ran: these tests call it directly and check *when* the table is
used, against ``np.searchsorted`` for the codes.
"""

import numpy as np
import pytest

from skvariance.calibration.base import _TABLE_SLACK, _small_int_codes


def _codes_by_hand(labels, groups):
    return np.searchsorted(labels, groups)


@pytest.mark.parametrize(
    "labels, groups",
    [
        ([5, 7, 9], [9, 5, 7, 5]),  # the lowest label among the groups
        ([4], [4, 4]),  # one label
        ([2, 3, 8], [8]),  # one test row
        ([10**12, 10**12 + 2], [10**12 + 2, 10**12]),  # large labels, small span
        ([-3, 0, 6], [0, -3, 6]),
    ],
)
def test_seen_int64_labels_take_the_table_with_searchsorted_codes(labels, groups):
    labels = np.asarray(labels, dtype=np.int64)
    groups = np.asarray(groups, dtype=np.int64)
    codes = _small_int_codes(labels, groups)
    assert codes is not None
    np.testing.assert_array_equal(codes, _codes_by_hand(labels, groups))


def test_the_table_spans_at_most_four_per_label_plus_the_slack():
    n = 3
    widest = 4 * n + _TABLE_SLACK
    labels = np.array([0, 1, widest], dtype=np.int64)
    groups = np.array([widest, 0, 1], dtype=np.int64)
    np.testing.assert_array_equal(
        _small_int_codes(labels, groups), _codes_by_hand(labels, groups)
    )
    wider = np.array([0, 1, widest + 1], dtype=np.int64)
    assert _small_int_codes(wider, np.array([0], dtype=np.int64)) is None


@pytest.mark.parametrize(
    "labels, groups",
    [
        ([5, 7, 9], [6]),  # unseen, inside the span
        ([5, 7, 9], [4]),  # below the lowest label
        ([5, 7, 9], [10]),  # above the highest
        ([], [1]),  # no labels
    ],
)
def test_unseen_labels_and_no_labels_leave_it_to_the_general_path(labels, groups):
    labels = np.asarray(labels, dtype=np.int64)
    groups = np.asarray(groups, dtype=np.int64)
    assert _small_int_codes(labels, groups) is None


def test_other_dtypes_leave_it_to_the_general_path():
    labels = np.array([1, 2], dtype=np.int64)
    assert _small_int_codes(labels, np.array([1, 2], dtype=np.int32)) is None
    assert _small_int_codes(labels.astype(np.int32), np.array([1, 2])) is None

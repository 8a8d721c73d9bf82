"""Fast paths of Mondrian split conformal regression: same answers, same errors.

* integer group labels are coded by counting (``encode_groups``) and the
  calibration rows gathered per group by a counting sort
  (``ConformalCalibration``), instead of ``bincount`` / stable ``argsort``;
* int64 test groups are coded through a table of the fitted labels
  (``seen_group_index``), anything else by ``searchsorted``;
* the split is drawn from the reseeded scratch generator, all at once;
* ``BaseConformal`` reads its ``__init__`` parameter names once per class.

References are computed here: ``np.unique``, the formula written out on the
rows drawn by a fresh ``RandomState``, the slow path on the same labels as
strings (which no fast path takes).
"""

import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, Ridge

from skvariance.calibration import ConformalRegressor
from skvariance.calibration.base import (
    ConformalCalibration,
    encode_groups,
    seen_group_index,
)
from skvariance.utils import derive_seeds

COVERAGES = [0.5, 0.9]


def _data(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -2.0] + (1 + np.abs(X[:, 0])) * rng.normal(size=n)
    return X, y


def _rank(n, level):
    # ceil((n + 1) * level), from the formula
    return int(np.ceil((n + 1) * level - 1e-10 * (n + 1) * level))


def _intervals_by_hand(X, y, X_test, groups, groups_test, seed):
    """Mondrian split-conformal intervals of a LinearRegression, written out."""
    n = len(y)
    rng = np.random.RandomState(seed)
    is_cal = np.zeros(n, dtype=bool)
    is_cal[rng.permutation(n)[: int(np.ceil(0.25 * n))]] = True
    model = LinearRegression().fit(X[~is_cal], y[~is_cal])
    scores = np.abs(y[is_cal] - model.predict(X[is_cal]))
    mu = model.predict(X_test)
    out = np.empty((len(X_test), 2, len(COVERAGES)))
    for g in np.unique(groups_test):
        s = np.sort(scores[groups[is_cal] == g])
        for k, c in enumerate(COVERAGES):
            q = s[_rank(s.size, c) - 1]
            out[groups_test == g, 0, k] = mu[groups_test == g] - q
            out[groups_test == g, 1, k] = mu[groups_test == g] + q
    return out


def _read_only(values):
    values = values.copy()
    values.setflags(write=False)
    return values


LABELS = {
    # dtype and shape of the labels decide which path codes them
    "intp from 0": lambda g: g,
    "shifted": lambda g: g + 7,
    "negative": lambda g: g - 2,
    "int32": lambda g: g.astype(np.int32),
    "uint8": lambda g: g.astype(np.uint8),
    "spread out": lambda g: g * 10**6,  # too wide for a code table
    "with a gap": lambda g: np.where(g == 1, 3, g),
    "strings": lambda g: np.array(["a", "b", "c"])[g],
    "read-only": lambda g: _read_only(g),
    "strided": lambda g: np.repeat(g[:, None], 2, axis=1)[:, 0],
}


@pytest.mark.parametrize("kind", list(LABELS))
def test_mondrian_intervals_match_the_formula(kind):
    X, y = _data(400, 0)
    X_test = _data(60, 1)[0]
    g = (X[:, 0] > -0.5).astype(np.intp) + (X[:, 0] > 0.5)
    g_test = (X_test[:, 0] > -0.5).astype(np.intp) + (X_test[:, 0] > 0.5)
    want = _intervals_by_hand(X, y, X_test, g, g_test, seed=3)
    make = LABELS[kind]
    reg = ConformalRegressor(LinearRegression(), random_state=3)
    reg.fit(X, y, groups=make(g))
    got = reg.predict_interval(X_test, coverage=COVERAGES, groups=make(g_test))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "groups",
    [
        np.array([3, 1, 3, 2, 1, 1, 3]),
        np.array([9, 7, 9, 12, 7]),  # 8, 10, 11 absent: not labels
        np.array([-5, 4, -5, 0, 4]),
        np.array([2**40, 2**40 + 2, 2**40]),
        np.array([0, 0, 0, 0]),
        np.array([4, 0, 1], dtype=np.uint16),
        np.array([1, 0, 2, 0, 1], dtype=np.intp),
    ],
)
def test_encode_groups_is_unique_with_inverse(groups):
    labels, codes = encode_groups(groups)
    want_labels, want_codes = np.unique(groups, return_inverse=True)
    np.testing.assert_array_equal(labels, want_labels)
    assert labels.dtype == want_labels.dtype
    np.testing.assert_array_equal(codes, want_codes)
    rows = np.array([len(groups) - 1, 0])
    sub_labels, sub_codes = encode_groups(groups, rows=rows)
    np.testing.assert_array_equal(sub_labels, want_labels)  # every row's label
    np.testing.assert_array_equal(sub_codes, want_codes[rows])


def test_encode_groups_does_not_modify_the_labels():
    groups = np.array([2, 0, 1, 0], dtype=np.intp)  # read as the offsets
    encode_groups(groups)
    np.testing.assert_array_equal(groups, [2, 0, 1, 0])


def test_calibration_gathers_groups_in_row_order():
    # tied scores with distinct weights: the cumulative weights show the row
    # order within each group, which a counting sort that is not stable (or
    # places a group's rows backwards) would change
    rng = np.random.RandomState(0)
    n, n_groups = 300, 5
    codes = rng.randint(0, n_groups, n)
    codes[codes == 3] = 4  # group 3 has no calibration row
    scores = rng.randint(0, 4, n).astype(float)
    weights = rng.uniform(0.1, 2.0, n)
    labels = np.arange(n_groups) * 10
    cal = ConformalCalibration(scores, (labels, codes), weights)
    plain = ConformalCalibration(scores, (labels, codes))
    assert cal.sizes == np.bincount(codes, minlength=n_groups).tolist()
    for g in range(n_groups):
        rows = np.flatnonzero(codes == g)
        order = np.argsort(scores[rows], kind="stable")
        np.testing.assert_array_equal(cal.sorted_scores[g], scores[rows][order])
        np.testing.assert_array_equal(plain.sorted_scores[g], np.sort(scores[rows]))
        np.testing.assert_allclose(
            cal.cum_weights[g], np.cumsum(weights[rows][order]), rtol=1e-15
        )


def _fitted_labels(labels):
    return np.unique(np.asarray(labels))


@pytest.mark.parametrize(
    "fit_labels, test_labels",
    [
        ([0, 1, 2, 3], [3, 3, 0, 1, 2]),
        ([5, 7, 8], [8, 5, 7, 7]),
        ([-4, 0, 9], [9, -4, 0]),
    ],
)
def test_seen_group_index_matches_searchsorted(fit_labels, test_labels):
    labels = _fitted_labels(fit_labels)
    groups = np.array(test_labels, dtype=np.int64)
    got = seen_group_index(labels, groups, len(groups))
    np.testing.assert_array_equal(got, np.searchsorted(labels, groups))
    assert got.dtype == np.intp


UNSEEN = [
    ([5, 7, 8], [7, 6, 8], [6]),  # inside the range, not a label
    ([5, 7, 8], [4, 5, 9, 9], [4, 9]),  # below and above it
    ([0, 1, 2], [2, -1, 3], [-1, 3]),
    # near the int64 limits (a wrapped subtraction would land in the table)
    ([2**62, 2**62 + 1], [-(2**63), 2**62], [-(2**63)]),
]


@pytest.mark.parametrize("fit_labels, test_labels, unseen", UNSEEN)
def test_unseen_groups_raise_as_on_the_general_path(fit_labels, test_labels, unseen):
    labels = _fitted_labels(fit_labels)
    groups = np.array(test_labels, dtype=np.int64)
    message = f"groups contains labels unseen at fit: {unseen}."
    with pytest.raises(ValueError, match=re.escape(message)):
        seen_group_index(labels, groups, len(groups))
    # the general path (object labels) names the same labels
    with pytest.raises(ValueError, match="unseen at fit"):
        seen_group_index(labels.astype(object), groups.astype(object), len(groups))


@pytest.mark.parametrize(
    "groups, match",
    [
        (np.array([[0, 1], [1, 0]]), "groups must be 1-d"),
        (np.array([0, 1, 1]), "groups has 3 entries but X has 4 samples"),
        (np.array([0.0, np.nan, 1.0, 0.0]), "groups contains NaN"),
        (np.array([0, None, 1, 0], dtype=object), "groups contains None"),
        (None, "groups is required"),
    ],
)
def test_bad_test_groups_raise_before_any_coding(groups, match):
    X, y = _data(200, 0)
    g = (X[:, 0] > 0).astype(np.int64)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=g)
    with pytest.raises(ValueError, match=match):
        reg.predict_interval(X[:4], groups=groups)


@pytest.mark.parametrize(
    "groups, match",
    [
        (np.array([0, 1]), "groups has 2 entries but X has 200 samples"),
        (np.full(200, np.nan), "groups contains NaN"),
        (np.zeros((200, 2), dtype=np.int64), "groups must be 1-d"),
    ],
)
def test_bad_fit_groups_raise(groups, match):
    X, y = _data(200, 0)
    with pytest.raises(ValueError, match=match):
        ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_X_still_raises_with_groups(value):
    X, y = _data(200, 0)
    g = (X[:, 0] > 0).astype(np.int64)
    bad = X.copy()
    bad[5, 1] = value
    with pytest.raises(ValueError, match="Input X contains"):
        ConformalRegressor(Ridge(), random_state=0).fit(bad, y, groups=g)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=g)
    with pytest.raises(ValueError, match="Input X contains"):
        reg.predict_interval(bad[:10], groups=g[:10])


def test_split_and_model_seed_are_those_of_a_fresh_random_state():
    # the split, then the model's seed, drawn from RandomState(7) -- even
    # though weight_function reseeds the scratch generator in between (as
    # any skvariance code given an int seed does)
    X, y = _data(300, 0)
    calls = []

    def weight_function(X_):
        calls.append(derive_seeds(12345, 4))
        return np.ones(X_.shape[0])

    reg = ConformalRegressor(
        Ridge(random_state=0), weight_function=weight_function, random_state=7
    )
    reg.fit(X, y)
    assert calls  # the weight function ran during fit
    rng = np.random.RandomState(7)
    cal = np.sort(rng.permutation(300)[:75])
    np.testing.assert_array_equal(reg.calibration_indices_, cal)
    seed = int(rng.randint(2**31 - 1, size=1)[0])
    assert reg.estimator_.random_state == derive_seeds(seed, 1)[0]
    # and a second fit, after the scratch generator moved on, agrees
    again = clone(reg).fit(X, y)
    np.testing.assert_array_equal(again.calibration_indices_, cal)
    assert again.estimator_.random_state == reg.estimator_.random_state


def test_nested_calibrators_draw_their_own_streams():
    # the inner calibrator's fit reseeds the scratch generator with its own
    # int seed after the outer one has drawn everything it needs
    X, y = _data(400, 2)
    inner = ConformalRegressor(Ridge(random_state=0), random_state=11)
    outer = ConformalRegressor(inner, random_state=5).fit(X, y)
    rng = np.random.RandomState(5)
    cal = np.sort(rng.permutation(400)[:100])
    np.testing.assert_array_equal(outer.calibration_indices_, cal)
    # the clone's random_state and estimator__random_state, in sorted order
    _, inner_seed = derive_seeds(int(rng.randint(2**31 - 1, size=1)[0]), 2)
    assert outer.estimator_.random_state == inner_seed
    inner_cal = np.sort(np.random.RandomState(inner_seed).permutation(300)[:75])
    np.testing.assert_array_equal(outer.estimator_.calibration_indices_, inner_cal)


def test_parameter_names_are_read_per_class():
    class Wider(ConformalRegressor):
        def __init__(self, estimator=None, *, coverage=0.9, extra=3):
            super().__init__(estimator, coverage=coverage)
            self.extra = extra

    base = ConformalRegressor(Ridge(), coverage=0.8)
    wide = Wider(Ridge(), coverage=0.7, extra=5)
    assert "extra" not in base.get_params(deep=False)
    assert wide.get_params(deep=False) == {
        "coverage": 0.7,
        "estimator": wide.estimator,
        "extra": 5,
    }
    assert clone(wide).extra == 5
    names = ConformalRegressor._get_param_names()
    names.append("mutated")  # a caller's list, not the cached names
    assert "mutated" not in ConformalRegressor._get_param_names()


@pytest.mark.parametrize(
    "fit_dtype, test_dtype",
    [(np.int64, np.int32), (np.int32, np.int64), (np.int64, np.float64)],
)
def test_mixed_label_dtypes_take_the_general_path(fit_dtype, test_dtype):
    X, y = _data(400, 0)
    X_test = _data(60, 1)[0]
    g = (X[:, 0] > -0.5).astype(np.intp) + (X[:, 0] > 0.5)
    g_test = (X_test[:, 0] > -0.5).astype(np.intp) + (X_test[:, 0] > 0.5)
    want = _intervals_by_hand(X, y, X_test, g, g_test, seed=3)
    reg = ConformalRegressor(LinearRegression(), random_state=3)
    reg.fit(X, y, groups=g.astype(fit_dtype))
    got = reg.predict_interval(
        X_test, coverage=COVERAGES, groups=g_test.astype(test_dtype)
    )
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"unseen at fit: \[5"):
        reg.predict_interval(X_test[:2], groups=np.array([0, 5], dtype=test_dtype))

"""Tests written against mutants of skvariance/calibration/base.py that survived.

Each test names the mutation it kills; references are written out by hand.
"""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge

from skvariance.calibration.base import ScoreParameter, _call_weight_function


def test_score_parameter_keeps_the_method_and_its_doc():
    # ``self.method = None`` / ``self.__doc__ = None``: the class attribute
    # would no longer be the scoring method nor carry its docstring. The
    # estimators build their descriptor at import time, so a fresh one is
    # built here (mutants are switched on after import).
    def method(self, X, y):
        """Docstring of the scoring method."""
        return ("scored", self, X, y)

    class Holder:
        score = ScoreParameter(method)

    assert Holder.score is method
    assert Holder.__dict__["score"].__doc__ == "Docstring of the scoring method."
    holder = Holder()
    holder.score = "absolute"  # the parameter value
    assert holder.__dict__["score"] == "absolute"
    assert holder.score(1, 2) == ("scored", holder, 1, 2)


def test_unfitted_weight_function_message():
    X = np.zeros((3, 2))
    with pytest.raises(NotFittedError) as exc:
        _call_weight_function(Ridge(), X)
    assert str(exc.value) == (
        "weight_function Ridge is not fitted. clone() (as in GridSearchCV or "
        "cross_val_score) returns estimator-valued parameters unfitted; pass "
        "the bound method of a fitted estimator instead, e.g. "
        "weight_function=dre.predict."
    )


def test_non_callable_weight_function_message():
    with pytest.raises(TypeError) as exc:
        _call_weight_function(3.5, np.zeros((3, 2)))
    assert str(exc.value) == (
        "weight_function must be a callable X -> weights or a fitted object "
        "with predict(X), got float."
    )


def test_shift_weights_are_float_and_column_or_row_vectors_are_flattened():
    from skvariance.calibration.base import check_shift_weights

    w = check_shift_weights([1, 2, 3], 3, name="w")
    assert w.dtype == np.float64  # kills dtype=None (int array kept)
    np.testing.assert_array_equal(w, [1.0, 2.0, 3.0])
    for shape in [(3, 1), (1, 3)]:
        got = check_shift_weights(np.arange(3.0).reshape(shape), 3, name="w")
        assert got.shape == (3,)
        np.testing.assert_array_equal(got, [0.0, 1.0, 2.0])
    # a genuine matrix is not flattened, even when its size matches
    with pytest.raises(ValueError) as exc:
        check_shift_weights(np.ones((3, 2)), 6, name="w")
    assert str(exc.value) == "w must have shape (6,), got (3, 2)."
    with pytest.raises(ValueError) as exc:
        check_shift_weights(np.ones(3), 4, name="w")
    assert str(exc.value) == "w must have shape (4,), got (3,)."


def test_shift_weights_messages():
    from skvariance.calibration.base import check_shift_weights

    with pytest.raises(TypeError) as exc:
        check_shift_weights(["a", "b"], 2, name="w")
    assert str(exc.value) == "w must be an array of non-negative floats."
    with pytest.raises(ValueError) as exc:
        check_shift_weights([-1.0, 0.0, 0.5, 2.0], 4, name="w")
    # one negative value: not the zero, not the 0.5
    assert str(exc.value) == "w must be non-negative; found 1 negative value(s)."


def test_weighted_groups_with_one_and_with_no_test_row():
    # group 0 has one test row, group 1 none, group 2 two: kills
    # ``rows.size == 1`` (a lone test row left unwritten) and ``break`` at an
    # empty group (the later groups left unwritten)
    from skvariance.calibration.base import ConformalCalibration

    rng = np.random.RandomState(3)
    scores = rng.uniform(size=60)
    groups = np.repeat([0, 1, 2], 20)
    weights = rng.uniform(0.5, 2.0, 60)
    cal = ConformalCalibration(scores, groups, weights)
    group_of_test = np.array([2, 0, 2])
    test_weights = np.array([0.7, 1.3, 0.2])
    got = cal.quantiles(np.array([0.6]), group_of_test, test_weights)[:, 0]
    want = []
    for g, w_test in zip(group_of_test, test_weights):
        rows = np.flatnonzero(groups == g)
        order = np.argsort(scores[rows])
        cum = np.cumsum(weights[rows][order])
        target = 0.6 * (cum[-1] + w_test)
        target -= 1e-10 * target
        want.append(scores[rows][order][np.searchsorted(cum, target)])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("coverage", [0.3, 0.5, 0.51, 0.8, 0.9, 0.95, 0.99])
def test_min_calibration_size_is_the_smallest_n_by_brute_force(coverage):
    # kills the start of the search raised to 2 (min_calibration_size(0.5)
    # is 1: ceil(2 * 0.5) = 1 <= 1)
    from fractions import Fraction

    from skvariance.calibration.base import min_calibration_size

    def rank(n):
        exact = Fraction(str(coverage)) * (n + 1)
        return -(-exact.numerator // exact.denominator)

    want = next(n for n in range(1, 1000) if rank(n) <= n)
    assert min_calibration_size(coverage) == want


def test_positive_sum_accepts_any_positive_total_and_names_the_zero_case():
    from skvariance.calibration.base import check_shift_weights

    # a total below 1 is a positive total (kills ``w.sum() > 1``)
    w = check_shift_weights([0.0, 0.1, 0.2], 3, name="w", positive_sum=True)
    np.testing.assert_array_equal(w, [0.0, 0.1, 0.2])
    with pytest.raises(ValueError) as exc:
        check_shift_weights([0.0, 0.0], 2, name="shift_weight", positive_sum=True)
    assert str(exc.value) == (
        "shift_weight is zero for every calibration row: weighted conformal "
        "prediction needs a positive total weight on the calibration set."
    )
    # without positive_sum all zeros are valid weights
    np.testing.assert_array_equal(check_shift_weights([0, 0], 2, name="w"), [0, 0])


@pytest.mark.parametrize(
    "groups",
    [
        np.array([3, 1, 3, 2, 1], dtype=np.int64),
        np.array([-128, 127, 0, -128], dtype=np.int8),  # span overflows int8
        np.array([0, 2**40, 5, 2**40], dtype=np.int64),  # span >> 4 * size
        np.array([2**63 - 1, 0, 2**63 - 1], dtype=np.uint64),
        np.array([7, 7, 9], dtype=np.uint8),
        np.array([], dtype=np.int64),
        np.array(["b", "a", "b"]),
        np.array([0.5, -1.0, 0.5]),
    ],
)
def test_encode_groups_equals_numpy_unique(groups):
    from skvariance.calibration.base import encode_groups

    labels, codes = encode_groups(groups)
    want_labels, want_codes = np.unique(groups, return_inverse=True)
    assert labels.dtype == want_labels.dtype
    np.testing.assert_array_equal(labels, want_labels)
    np.testing.assert_array_equal(codes, want_codes.reshape(-1))
    assert codes.shape == groups.shape


def test_group_index_messages_in_full():
    from skvariance.calibration.base import ConformalCalibration

    scores = np.arange(1.0, 13.0)
    plain = ConformalCalibration(scores, None, None)
    np.testing.assert_array_equal(plain.group_index(None, 3), [0, 0, 0])
    with pytest.raises(ValueError) as exc:
        plain.group_index(np.zeros(3), 3)
    assert str(exc.value) == (
        "groups were given at predict time but the calibrator was fitted "
        "without groups."
    )
    grouped = ConformalCalibration(
        scores, (np.array([10, 20, 30]), np.repeat([0, 1, 2], 4)), None
    )
    np.testing.assert_array_equal(
        grouped.group_index([30, 10, 20, 30], 4), [2, 0, 1, 2]
    )
    with pytest.raises(ValueError) as exc:
        grouped.group_index(None, 2)
    assert str(exc.value) == (
        "groups is required: the calibrator was fitted with groups "
        "(Mondrian calibration)."
    )
    # twelve unseen labels, below, between and above the seen ones: the
    # first ten (sorted) are listed
    unseen = [1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33]
    with pytest.raises(ValueError) as exc:
        grouped.group_index(np.array([10, *unseen]), 13)
    assert str(exc.value) == (
        "groups contains labels unseen at fit: [1, 2, 3, 11, 12, 13, 21, 22, 23, 31]."
    )


def test_nan_calibration_scores_are_rejected_with_the_reason():
    from skvariance.calibration.base import ConformalCalibration

    with pytest.raises(ValueError) as exc:
        ConformalCalibration(np.array([0.1, np.nan, 0.3]))
    assert str(exc.value) == (
        "calibration scores contain NaN: the estimator's predictions on the "
        "calibration set (or its predicted std) are not finite."
    )


def test_test_weight_messages_in_full():
    from sklearn.linear_model import LinearRegression

    from skvariance.calibration import ConformalRegressor

    rng = np.random.RandomState(20)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] + rng.normal(size=40)
    plain = ConformalRegressor(LinearRegression(), random_state=0).fit(X, y)
    with pytest.raises(ValueError) as exc:
        plain.predict_interval(X[:3], shift_weight=np.ones(3))
    assert str(exc.value) == (
        "shift_weight was given at predict time but the calibrator was fitted "
        "without weights (no shift_weight, no weight_function)."
    )
    weighted = ConformalRegressor(LinearRegression(), random_state=0)
    weighted.fit(X, y, shift_weight=np.ones(40))
    with pytest.raises(ValueError) as exc:
        weighted.predict_interval(X[:3])
    assert str(exc.value) == (
        "shift_weight is required: the calibrator was fitted with shift_weight "
        "and has no weight_function to compute it."
    )
    with pytest.raises(ValueError) as exc:
        weighted.predict_interval(X[:3], shift_weight=np.ones(4))
    assert str(exc.value) == "shift_weight must have shape (3,), got (4,)."
    by_function = ConformalRegressor(
        LinearRegression(),
        weight_function=lambda Z: np.where(Z[:, 0] > 5, -1.0, 1.0),
        random_state=0,
    ).fit(X, y)
    X_far = np.array([[10.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError) as exc:
        by_function.predict_interval(X_far)
    assert str(exc.value) == (
        "weight_function(X) must be non-negative; found 1 negative value(s)."
    )


def test_a_group_with_one_calibration_row_has_a_finite_low_level_quantile():
    # rank ceil(2 c) = 1 for c <= 0.5: the group's only score; +inf above
    from skvariance.calibration.base import ConformalCalibration

    cal = ConformalCalibration(np.array([0.3, 0.7, 0.2, 0.9]), np.array([0, 1, 1, 1]))
    q = cal.quantiles(np.array([0.4, 0.5, 0.6]), np.array([0, 1]))
    np.testing.assert_array_equal(q[0], [0.3, 0.3, np.inf])
    np.testing.assert_array_equal(q[1], [0.7, 0.7, 0.9])  # ranks 2, 2, 3 of 3


def test_size_warning_joins_groups_and_points_at_the_caller():
    from sklearn.linear_model import LinearRegression

    from skvariance.calibration import CalibrationSizeWarning, ConformalRegressor

    rng = np.random.RandomState(21)
    X = rng.normal(size=(60, 2))
    y = X[:, 0] + rng.normal(size=60)
    groups = (X[:, 1] > 0).astype(int)
    reg = ConformalRegressor(LinearRegression(), random_state=0)
    reg.fit(X, y, groups=groups)
    sizes = np.bincount(groups[reg.calibration_indices_], minlength=2)
    with pytest.warns(CalibrationSizeWarning) as record:
        reg.predict_interval(X[:4], coverage=0.99, groups=np.array([0, 1, 0, 1]))
    assert str(record[0].message) == (
        f"calibration group 0 has {sizes[0]} samples; coverage 0.99 needs at least "
        f"99; calibration group 1 has {sizes[1]} samples; coverage 0.99 needs at "
        "least 99: the conformal quantile is +inf, so the prediction intervals of "
        "its test points are (-inf, inf) (the exact conformal answer). Use more "
        "calibration data, a larger calibration_size or a lower coverage for a "
        "finite one."
    )
    assert record[0].filename == __file__
    assert ConformalRegressor(method="cv_plus").fit(X, y).sigma_estimator_ is None


def test_weighted_infinite_quantile_warning_in_full():
    # a test point whose own weight outweighs the calibration set gets +inf;
    # the warning counts the points and points at the caller
    from sklearn.linear_model import LinearRegression

    from skvariance.calibration import CalibrationSizeWarning, ConformalRegressor

    rng = np.random.RandomState(22)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] + rng.normal(size=40)
    reg = ConformalRegressor(LinearRegression(), random_state=0)
    reg.fit(X, y, shift_weight=np.ones(40))
    w_test = np.array([1.0, 1e6, 1.0, 1e6, 1e6])
    with pytest.warns(CalibrationSizeWarning) as record:
        bounds = reg.predict_interval(X[:5], coverage=0.9, shift_weight=w_test)
    np.testing.assert_array_equal(np.isinf(bounds[:, 1]), w_test > 1)
    assert str(record[0].message) == (
        "3 of 5 test points get an infinite conformal quantile: under "
        "covariate-shift weights their own weight is too large (or their group "
        "has no calibration point or no calibration weight) for coverage 0.9, "
        "so the exact weighted conformal answer is unbounded there (Tibshirani "
        "et al., 2019). The "
        "calibration data cover the shifted target too thinly; use more "
        "calibration data or a lower coverage."
    )
    assert record[0].filename == __file__


def test_split_sizes_at_their_bounds():
    # one calibration row is a valid split; n calibration rows (no training
    # row) or 0 are not, and the message says why
    from sklearn.linear_model import LinearRegression

    from skvariance.calibration import ConformalRegressor

    rng = np.random.RandomState(24)
    X = rng.normal(size=(10, 2))
    y = X[:, 0] + rng.normal(size=10)
    one = ConformalRegressor(LinearRegression(), calibration_size=1, random_state=0)
    assert one.fit(X, y).calibration_indices_.size == 1
    nine = ConformalRegressor(LinearRegression(), calibration_size=0.9)
    assert nine.fit(X, y).calibration_indices_.size == 9
    for size, shown in [(10, "10"), (1.0 - 1e-9, "0.999999999"), (0.0001, None)]:
        reg = ConformalRegressor(LinearRegression(), calibration_size=size)
        if shown is None:  # ceil(0.001) = 1 row: valid
            assert reg.fit(X, y).calibration_indices_.size == 1
            continue
        with pytest.raises(ValueError) as exc:
            reg.fit(X, y)
        assert str(exc.value) == (
            f"cannot split 10 samples with calibration_size={shown}: the "
            "calibration and the training part both need at least one row."
        )


def test_weighted_group_with_one_calibration_row():
    # weighted: the one score when w / (w + w_test) >= level, else +inf
    from skvariance.calibration.base import ConformalCalibration

    cal = ConformalCalibration(
        np.array([0.3, 0.7, 0.2]), np.array([0, 1, 1]), np.array([1.0, 1.0, 1.0])
    )
    from skvariance.calibration import CalibrationSizeWarning

    with pytest.warns(CalibrationSizeWarning, match="^1 of 2 test points"):
        q = cal.quantiles(
            np.array([0.4, 0.5, 0.6]), np.array([0, 0]), np.array([1.0, 0.5])
        )
    np.testing.assert_array_equal(q[0], [0.3, 0.3, np.inf])  # 1 / 2
    np.testing.assert_array_equal(q[1], [0.3, 0.3, 0.3])  # 1 / 1.5

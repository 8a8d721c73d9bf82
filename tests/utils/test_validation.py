import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsRegressor

from skvariance.utils import (
    check_confidence_level,
    check_coverage,
    check_estimator_method,
    check_groups,
    check_positive_int,
    check_quantile_levels,
    check_sample_weight,
    check_sample_weight_support,
)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, np.nan])
def test_check_coverage_rejects_outside_open_interval(bad):
    with pytest.raises(ValueError, match="coverage must be strictly between 0 and 1"):
        check_coverage(bad)


def test_check_coverage_types_and_arrays():
    assert check_coverage(np.float32(0.5)) == 0.5
    np.testing.assert_array_equal(check_coverage([0.5, 0.9]), [0.5, 0.9])
    with pytest.raises(TypeError, match="level"):
        check_coverage("0.9", name="level")
    with pytest.raises(ValueError, match=r"\[1.0\]"):
        check_coverage([0.5, 1.0])


@pytest.mark.parametrize(
    "levels, match",
    [
        ([0.1, 0.1], "strictly increasing"),
        ([0.9, 0.1], "strictly increasing"),
        ([0.0, 0.5], "strictly between 0 and 1"),
        ([0.5, 1.0], "strictly between 0 and 1"),
        ([], "non-empty"),
        ([[0.1, 0.2]], "1-d"),
        ([0.1, np.nan], "strictly between"),
    ],
)
def test_check_quantile_levels_errors(levels, match):
    with pytest.raises(ValueError, match=match):
        check_quantile_levels(levels)


def test_check_quantile_levels_scalar_and_type():
    np.testing.assert_array_equal(check_quantile_levels(0.5), [0.5])
    with pytest.raises(TypeError, match="alphas"):
        check_quantile_levels(["a"], name="alphas")


def test_check_sample_weight():
    X = np.zeros((3, 2))
    np.testing.assert_array_equal(check_sample_weight(None, X), np.ones(3))
    np.testing.assert_array_equal(check_sample_weight(2.0, X), np.full(3, 2.0))
    with pytest.raises(ValueError, match="non-negative"):
        check_sample_weight([1, -1, 1], X)
    with pytest.raises(ValueError, match="finite"):
        check_sample_weight([1, np.nan, 1], X)
    with pytest.raises(ValueError, match="positive sum"):
        check_sample_weight([0, 0, 0], X)
    with pytest.raises(ValueError, match="sample_weight"):
        check_sample_weight([1, 1], X)
    with pytest.raises(TypeError, match="numeric"):
        check_sample_weight(["a", "b", "c"], X)


def test_check_groups():
    np.testing.assert_array_equal(check_groups([1, 2, 1], 3), [1, 2, 1])
    with pytest.raises(ValueError, match="3 samples"):
        check_groups([1, 2], 3)
    with pytest.raises(ValueError, match="NaN"):
        check_groups([1.0, np.nan, 2.0], 3)
    with pytest.raises(ValueError, match="None"):
        check_groups(np.array(["a", None, "b"], dtype=object), 3)
    with pytest.raises(ValueError, match="1-d"):
        check_groups(np.zeros((3, 1)), 3)


def test_estimator_capabilities():
    check_estimator_method(LinearRegression(), "predict")
    with pytest.raises(
        TypeError, match="LinearRegression has no method 'predict_proba'"
    ):
        check_estimator_method(LinearRegression(), "predict_proba")
    check_sample_weight_support(LinearRegression())
    with pytest.raises(
        TypeError, match="KNeighborsRegressor does not accept sample_weight"
    ):
        check_sample_weight_support(KNeighborsRegressor())


def test_check_positive_int():
    assert check_positive_int(3, name="n") == 3
    assert check_positive_int(np.int64(0), name="n", minimum=0) == 0
    with pytest.raises(TypeError, match="n_seeds must be an integer"):
        check_positive_int(2.5, name="n_seeds")
    with pytest.raises(TypeError, match="n_seeds"):
        check_positive_int(True, name="n_seeds")
    with pytest.raises(ValueError, match="n_seeds must be an integer >= 1, got 0"):
        check_positive_int(0, name="n_seeds")


@pytest.mark.parametrize("value", [1e-9, 0.5, 0.95, 1 - 1e-9, np.float32(0.9), 1 / 3])
def test_check_confidence_level_accepts_open_interval(value):
    out = check_confidence_level(value)
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize(
    "value, error, message",
    [
        (0, ValueError, r"^level must be strictly between 0 and 1, got 0\.$"),
        (1.0, ValueError, r"^level must be strictly between 0 and 1, got 1\.0\.$"),
        (-0.1, ValueError, r"^level must be strictly between 0 and 1, got -0\.1\.$"),
        (float("nan"), ValueError, r"got nan\.$"),
        (True, TypeError, r"^level must be a float strictly between 0 and 1, got bool"),
        ("0.9", TypeError, r"^level must be a float strictly .* 0 and 1, got str\.$"),
        (None, TypeError, r"got NoneType\.$"),
    ],
)
def test_check_confidence_level_rejects(value, error, message):
    with pytest.raises(error, match=message):
        check_confidence_level(value, name="level")

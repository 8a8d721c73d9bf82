import numpy as np
import pytest

from skvariance.utils import weighted_quantile


def test_shapes():
    rng = np.random.RandomState(0)
    v = rng.normal(size=(4, 9))
    assert np.shape(weighted_quantile(v[0], 0.5)) == ()
    assert weighted_quantile(v[0], [0.1, 0.9]).shape == (2,)
    assert weighted_quantile(v, 0.5).shape == (4,)
    assert weighted_quantile(v, [0.1, 0.5, 0.9]).shape == (4, 3)


def test_shared_and_per_row_weights_agree():
    rng = np.random.RandomState(1)
    v = rng.normal(size=(5, 11))
    w = rng.uniform(size=11)
    np.testing.assert_array_equal(
        weighted_quantile(v, [0.2, 0.8], sample_weight=w),
        weighted_quantile(v, [0.2, 0.8], sample_weight=np.tile(w, (5, 1))),
    )


def test_integer_weights_equal_repetition():
    rng = np.random.RandomState(2)
    v = rng.normal(size=12)
    w = rng.randint(1, 4, size=12)
    levels = np.linspace(0.01, 0.99, 25)
    np.testing.assert_array_equal(
        weighted_quantile(v, levels, sample_weight=w),
        np.quantile(np.repeat(v, w), levels, method="inverted_cdf"),
    )


def test_split_conformal_quantile_with_infinite_test_point():
    # the ceil((n + 1)(1 - alpha))-th smallest score, as split conformal needs
    scores = np.arange(1.0, 20.0)  # n = 19
    alpha = 0.1
    got = weighted_quantile(np.append(scores, np.inf), 1 - alpha)
    k = int(np.ceil((len(scores) + 1) * (1 - alpha)))
    assert got == np.sort(scores)[k - 1]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(values=[1.0, np.nan], quantiles=0.5), ValueError, "NaN"),
        (dict(values=[], quantiles=0.5), ValueError, "non-empty"),
        (dict(values=[1.0, 2.0], quantiles=1.5), ValueError, r"\[0, 1\]"),
        (
            dict(values=[1.0, 2.0], quantiles=0.5, sample_weight=[1.0]),
            ValueError,
            "shape",
        ),
        (
            dict(values=[1.0, 2.0], quantiles=0.5, sample_weight=[1.0, -1.0]),
            ValueError,
            "non-negative",
        ),
        (
            dict(values=[1.0, 2.0], quantiles=0.5, sample_weight=[0.0, 0.0]),
            ValueError,
            "positive sum",
        ),
    ],
)
def test_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        weighted_quantile(**kwargs)

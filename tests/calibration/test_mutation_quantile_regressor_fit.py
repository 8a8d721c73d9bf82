"""Tests written against mutants of ``ConformalQuantileRegressor.fit`` that survived.

``fit`` is wrapped in scikit-learn's ``@_fit_context``, which mutmut skips;
these tests were checked against its body moved out by
``tools/mutation_unwrap.py`` (doc/developers.rst, "Mutation testing").
Messages are matched whole; references are computed here.
"""

import threading

import numpy as np
import pytest
from joblib import parallel_config
from scipy.stats import norm
from sklearn.linear_model import Ridge

from skvariance.calibration import ConformalQuantileRegressor

from ._helpers import Gaussian, whole


class Levels(Gaussian):
    """A multi-quantile model whose levels are fixed at construction."""

    def __init__(self, quantiles=(0.1, 0.9)):
        self.quantiles = quantiles

    def predict(self, X):
        z = norm.ppf(np.asarray(self.quantiles, dtype=np.float64))
        return np.asarray(X)[:, [0]] + z[None, :]


@pytest.fixture
def data():
    rng = np.random.RandomState(8)
    X = rng.normal(size=(40, 2))
    return X, X[:, 0] + rng.normal(size=40)


def test_n_jobs_zero_is_rejected_before_fitting(data):
    # one multi-quantile model starts no worker pool: only fit's own check
    # can refuse 0 (joblib's own refusal has another message)
    X, y = data
    message = whole(
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    for estimator in (Levels(), Gaussian()):
        with pytest.raises(ValueError, match=message):
            ConformalQuantileRegressor(estimator, n_jobs=0).fit(X, y)


def test_all_zero_shift_weights_are_refused_before_the_estimator_is_inspected(
    data,
):
    # checked at fit's entry: before the estimator is found to be no quantile
    # model (the calibration rows' own check comes after that)
    X, y = data
    with pytest.raises(
        ValueError,
        match=whole(
            "shift_weight is zero for every calibration row: weighted conformal "
            "prediction needs a positive total weight on the calibration set."
        ),
    ):
        ConformalQuantileRegressor(Ridge()).fit(X, y, shift_weight=np.zeros(40))


@pytest.mark.parametrize("levels", [[0.5, 0.9], [0.1, 0.5], [0.6, 0.9]])
def test_requested_levels_must_straddle_the_median_strictly(data, levels):
    X, y = data
    with pytest.raises(
        ValueError,
        match=whole(
            f"quantile_levels needs a level below 0.5 and one above, got {levels}."
        ),
    ):
        ConformalQuantileRegressor(Gaussian(), quantile_levels=levels).fit(X, y)


def test_requested_levels_are_checked_under_their_name(data):
    X, y = data
    with pytest.raises(
        ValueError,
        match=whole("quantile_levels must be strictly increasing, got [0.9, 0.1]."),
    ):
        ConformalQuantileRegressor(Gaussian(), quantile_levels=[0.9, 0.1]).fit(X, y)


@pytest.mark.parametrize("levels", [(0.5, 0.9), (0.1, 0.5), (0.6, 0.9)])
def test_native_levels_must_straddle_the_median_strictly(data, levels):
    X, y = data
    with pytest.raises(
        ValueError,
        match=whole(
            f"the estimator's levels {list(levels)} need one below 0.5 and one above."
        ),
    ):
        ConformalQuantileRegressor(Levels(levels)).fit(X, y)


@pytest.mark.parametrize("levels", [[0.05, 0.95], [0.2, 0.5, 0.7]])
def test_levels_straddling_the_median_are_accepted(data, levels):
    X, y = data
    cqr = ConformalQuantileRegressor(Gaussian(), quantile_levels=levels).fit(X, y)
    np.testing.assert_array_equal(cqr.quantile_levels_, levels)
    cqr = ConformalQuantileRegressor(Levels(tuple(levels))).fit(X, y)
    np.testing.assert_array_equal(cqr.quantile_levels_, levels)


class GaussianRecorder(Gaussian):
    """``Gaussian`` that records the thread each fit ran in."""

    threads: list = []

    def fit(self, X, y, sample_weight=None):
        GaussianRecorder.threads.append(threading.current_thread().name)
        return super().fit(X, y, sample_weight=sample_weight)


def test_per_level_models_follow_n_jobs(data):
    # n_jobs=1 is sequential even inside a context asking for 2 workers
    X, y = data
    GaussianRecorder.threads = []
    with parallel_config(backend="threading", n_jobs=2):
        ConformalQuantileRegressor(GaussianRecorder(), n_jobs=1).fit(X, y)
    assert GaussianRecorder.threads == [threading.current_thread().name] * 2


def test_per_level_verbose_prints_joblib_progress(data, capsys):
    X, y = data
    ConformalQuantileRegressor(Gaussian(), verbose=10).fit(X, y)
    assert "Done" in capsys.readouterr().err


class GaussianSeeded(Gaussian):
    """``Gaussian`` with a ``random_state`` it does not use."""

    def __init__(self, quantile=0.5, random_state=None):
        self.quantile = quantile
        self.random_state = random_state


def test_per_level_models_get_their_own_reproducible_seeds(data):
    # each member gets an int seed of its own, drawn from random_state: the
    # same random_state gives the same seeds
    X, y = data
    seeds = []
    for _ in range(2):
        cqr = ConformalQuantileRegressor(GaussianSeeded(), random_state=3).fit(X, y)
        seeds.append([m.random_state for m in cqr.estimators_])
    assert all(isinstance(s, int) for s in seeds[0])
    assert len(set(seeds[0])) == 2
    assert seeds[0] == seeds[1]
    np.testing.assert_allclose([m.quantile for m in cqr.estimators_], [0.05, 0.95])


class Tau(Gaussian):
    """A quantile model whose level parameter has a name of its own."""

    def __init__(self, tau=0.5):
        self.tau = tau

    def predict(self, X):
        return np.asarray(X)[:, 0] + norm.ppf(self.tau)


def test_quantile_param_names_the_level_parameter(data):
    X, y = data
    cqr = ConformalQuantileRegressor(Tau(), quantile_param="tau", coverage=0.8)
    cqr.fit(X, y)
    np.testing.assert_allclose([m.tau for m in cqr.estimators_], [0.1, 0.9])


def test_fit_params_need_routing(data):
    X, y = data
    with pytest.raises(
        TypeError,
        match=whole(
            "ConformalQuantileRegressor.fit got unexpected parameters ['foo']; "
            "enable metadata routing to pass them to the estimator."
        ),
    ):
        ConformalQuantileRegressor(Gaussian()).fit(X, y, foo=np.ones(40))


class SortedLevels(Levels):
    """A multi-quantile model that sorts its levels at fit (``quantiles_``)."""

    def fit(self, X, y, sample_weight=None):
        self.quantiles_ = np.sort(np.asarray(self.quantiles, dtype=np.float64))
        return super().fit(X, y)

    def predict(self, X):
        z = norm.ppf(self.quantiles_)
        return np.asarray(X)[:, [0]] + z[None, :]


def test_fitted_levels_of_a_multi_quantile_model_win(data):
    # the columns follow the fitted ``quantiles_`` (sorted), not the order
    # given at construction: CQR by hand on the (0.1, 0.9) columns
    X, y = data
    X_test = X[:5] + 0.5
    cqr = ConformalQuantileRegressor(
        SortedLevels((0.9, 0.5, 0.1)), coverage=0.8, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(cqr.quantile_levels_, [0.1, 0.5, 0.9])
    cal = np.sort(np.random.RandomState(0).permutation(40)[:10])
    lo, hi = X[cal, 0] + norm.ppf(0.1), X[cal, 0] + norm.ppf(0.9)
    scores = np.sort(np.maximum(lo - y[cal], y[cal] - hi))
    q = scores[int(np.ceil(11 * 0.8)) - 1]  # rank ceil((n + 1) coverage) = 9
    want = np.column_stack(
        [X_test[:, 0] + norm.ppf(0.1) - q, X_test[:, 0] + norm.ppf(0.9) + q]
    )
    np.testing.assert_allclose(cqr.predict_interval(X_test), want, atol=1e-12)


class LevelsSeeded(Levels):
    """``Levels`` with a ``random_state`` it does not use."""

    def __init__(self, quantiles=(0.1, 0.9), random_state=None):
        self.quantiles = quantiles
        self.random_state = random_state


def test_one_multi_quantile_model_gets_a_reproducible_seed(data):
    X, y = data
    seeds = [
        ConformalQuantileRegressor(LevelsSeeded(), random_state=3)
        .fit(X, y)
        .estimators_[0]
        .random_state
        for _ in range(2)
    ]
    assert isinstance(seeds[0], int) and seeds[0] == seeds[1]


class LevelsRecording(Levels):
    """``Levels`` that records its training rows and weights."""

    def fit(self, X, y, sample_weight=None):
        self.X_fit_ = np.asarray(X)
        self.sample_weight_ = sample_weight
        return super().fit(X, y)


def test_sample_weight_reaches_the_multi_quantile_model():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.normal(size=40), np.arange(40)])
    y = X[:, 0] + rng.normal(size=40)
    cqr = ConformalQuantileRegressor(LevelsRecording(), random_state=0)
    cqr.fit(X, y, sample_weight=1.0 + np.arange(40))
    model = cqr.estimators_[0]
    assert model.sample_weight_ is not None and model.X_fit_.shape == (30, 2)
    np.testing.assert_array_equal(model.sample_weight_, 1.0 + model.X_fit_[:, 1])


def test_groups_seen_at_fit(data):
    # every label of ``groups`` is kept, a group with no calibration row too
    X, y = data
    groups = np.array(["b", "a"] * 19 + ["z", "z"])
    cqr = ConformalQuantileRegressor(Gaussian(), calibration_size=2, random_state=0)
    assert cqr.fit(X, y).groups_ is None
    np.testing.assert_array_equal(cqr.fit(X, y, groups=groups).groups_, ["a", "b", "z"])


class Float32Levels(SortedLevels):
    """Fitted levels in float32, as a model computing in float32 keeps them."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y)
        self.quantiles_ = self.quantiles_.astype(np.float32)
        return self


def test_fitted_float32_levels_are_read_as_float64(data):
    X, y = data
    cqr = ConformalQuantileRegressor(Float32Levels((0.1, 0.9))).fit(X, y)
    assert cqr.quantile_levels_.dtype == np.float64
    np.testing.assert_array_equal(
        cqr.quantile_levels_, np.array([0.1, 0.9], dtype=np.float32)
    )

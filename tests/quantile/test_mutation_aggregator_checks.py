"""Mutation tests of QuantileAggregator's argument checks and of its helpers
(``__init__``, ``_named_estimators``, ``_check_params``, ``_routed_params``,
``__sklearn_tags__``, ``_as_quantile_model``).

References by hand: the documented defaults, the error messages spelled out
in full, the names ``make_pipeline`` gives, and what each base model is
fitted with.
"""

import re

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import QuantileRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags

from skvariance.quantile import (
    KNNQuantileRegressor,
    MultiQuantileRegressor,
    QuantileAggregator,
)


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X[:, 0] + rng.normal(size=n)
    return X, y


def _qr(alpha=0.0):
    return QuantileRegressor(alpha=alpha)


def _raises(error, msg, model, X, y, **kw):
    with pytest.raises(error, match="^" + re.escape(msg) + "$"):
        model.fit(X, y, **kw)


def test_defaults_are_the_documented_ones():
    params = QuantileAggregator([_qr(), _qr(1.0)]).get_params(deep=False)
    # the solver's default is changed in parallel (a new solver): left out
    del params["estimators"], params["solver"]
    assert params == {
        "quantiles": (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95),
        "weighting": "per_quantile",
        "cv": 5,
        "monotonize": "sort",
        "conformalize": False,
        "local_transformer": None,
        "local_penalty": 1e-3,
        "local_smoothing": 0.05,
        "n_jobs": None,
        "random_state": None,
        "verbose": 0,
    }


def test_every_parameter_is_kept_as_given():
    given = {
        "estimators": [_qr(), _qr(1.0)],
        "quantiles": (0.1, 0.9),
        "weighting": "local",
        "cv": 3,
        "monotonize": "isotonic",
        "conformalize": True,
        "solver": "highs-ds",
        "local_transformer": StandardScaler(),
        "local_penalty": 0.5,
        "local_smoothing": 0.2,
        "n_jobs": 2,
        "random_state": 7,
        "verbose": 2,
    }
    model = QuantileAggregator(**given)
    assert model.get_params(deep=False) == given
    clone(model)  # clone checks that __init__ stores every parameter as given


def test_a_bad_item_is_named_in_the_message():
    X, y = _data()
    for item in (("a", _qr(), 1), (1, _qr())):
        msg = (
            "estimators must hold (name, estimator) tuples or estimators, got "
            f"{item!r}."
        )
        _raises(TypeError, msg, QuantileAggregator([item, ("b", _qr())]), X, y)


def test_names_follow_make_pipeline():
    X, y = _data()
    models = [_Weighted(), ("mine", _Weighted()), _Weighted(), KNNQuantileRegressor()]
    agg = QuantileAggregator(models, quantiles=[0.1, 0.5, 0.9], cv=2).fit(X, y)
    assert agg.estimator_names_ == [
        "_weighted-1",
        "mine",
        "_weighted-2",
        "knnquantileregressor",
    ]


def test_duplicate_names_message():
    X, y = _data()
    msg = "estimator names must be unique, got ['a', 'a']."
    _raises(ValueError, msg, QuantileAggregator([("a", _qr()), ("a", _qr())]), X, y)


def test_one_model_is_too_few_two_are_enough():
    X, y = _data()
    msg = "estimators must hold at least two quantile models to aggregate, got 1."
    _raises(ValueError, msg, QuantileAggregator([_qr()]), X, y)
    agg = QuantileAggregator([_qr(), _qr(1.0)], quantiles=[0.25, 0.75], cv=2)
    assert agg.fit(X, y).predict(X).shape == (40, 2)


class _NoPredict(BaseEstimator):
    def fit(self, X, y):
        return self


class _NoFit(BaseEstimator):
    def predict(self, X):
        return np.zeros(len(X))


def test_a_model_without_fit_or_predict_is_named():
    X, y = _data()
    for bad in (_NoPredict(), _NoFit()):
        msg = (
            f"estimators['b'] {type(bad).__name__} is not an estimator with fit "
            "and predict."
        )
        _raises(TypeError, msg, QuantileAggregator([("a", _qr()), ("b", bad)]), X, y)


class _Mean(RegressorMixin, BaseEstimator):
    def fit(self, X, y):
        self.m_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.m_)


def test_a_model_without_quantiles_is_named():
    X, y = _data()
    msg = (
        "estimators['b'] _Mean has no quantile parameter ('quantile', or 'alpha' "
        "with loss/objective='quantile') and its predict takes no 'quantiles' "
        "argument; it cannot predict quantiles."
    )
    _raises(TypeError, msg, QuantileAggregator([("a", _qr()), ("b", _Mean())]), X, y)


def test_conformalize_messages():
    X, y = _data()
    msg = (
        "conformalize=True needs monotonize='sort' or 'isotonic': calibrated "
        "pairs of crossing quantiles are not intervals."
    )
    agg = QuantileAggregator([_qr(), _qr(1.0)], conformalize=True, monotonize=None)
    _raises(ValueError, msg, agg, X, y)
    msg = (
        "mirrored levels 1 - quantiles [0.7, 0.9] were not fitted; this model "
        "predicts only the levels it was fitted at, [0.1, 0.3]. Refit with those "
        "levels."
    )
    agg = QuantileAggregator([_qr(), _qr(1.0)], conformalize=True, quantiles=[0.1, 0.3])
    _raises(ValueError, msg, agg, X, y)
    msg = (
        "conformalize=True needs at least one pair of levels (tau, 1 - tau); got "
        "quantiles=[0.5]."
    )
    agg = QuantileAggregator([_qr(), _qr(1.0)], conformalize=True, quantiles=[0.5])
    _raises(ValueError, msg, agg, X, y)


def test_conformal_pairs_are_the_mirrored_levels():
    # five levels: the pairs (0.1, 0.9) and (0.25, 0.75), the median unpaired
    X, y = _data(n=60)
    agg = QuantileAggregator(
        [KNNQuantileRegressor(n_neighbors=5), KNNQuantileRegressor(n_neighbors=15)],
        quantiles=[0.1, 0.25, 0.5, 0.75, 0.9],
        conformalize=True,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert agg.coverages_.tolist() == pytest.approx([0.5, 0.8])
    assert agg.conformal_corrections_.shape == (2,)


class _Weighted(RegressorMixin, BaseEstimator):
    """A quantile model recording the weights of its last fit."""

    def __init__(self, quantile=0.5):
        self.quantile = quantile

    def fit(self, X, y, sample_weight=None):
        self.sw_ = None if sample_weight is None else np.asarray(sample_weight)
        self.q_ = float(np.quantile(y, self.quantile))
        return self

    def predict(self, X):
        return np.full(len(X), self.q_)


def test_user_weights_reach_the_refitted_models_without_routing():
    X, y = _data()
    sw = np.linspace(0.5, 2.0, 40)
    agg = QuantileAggregator(
        [("a", _Weighted()), ("b", _Weighted())], quantiles=[0.25, 0.75], cv=2
    ).fit(X, y, sample_weight=sw)
    for member in agg.estimators_:
        for level in member.estimators_:
            np.testing.assert_array_equal(level.sw_, sw)


def test_a_model_without_weights_is_named_without_routing():
    X, y = _data()
    agg = QuantileAggregator(
        [("a", _Weighted()), ("b", KNNQuantileRegressor(n_neighbors=3))],
        quantiles=[0.25, 0.75],
        cv=2,
    )
    # KNNQuantileRegressor takes sample_weight: a model that does not
    agg.set_params(estimators=[("a", _Weighted()), ("b", _NoWeights())])
    msg = (
        "estimators['b'] _NoWeights does not accept sample_weight in fit; choose "
        "an estimator, or a Pipeline whose final step, takes sample_weight, or "
        "enable metadata routing and request it with "
        "set_fit_request(sample_weight=True)."
    )
    _raises(TypeError, msg, agg, X, y, sample_weight=np.ones(40))


class _NoWeights(RegressorMixin, BaseEstimator):
    def __init__(self, quantile=0.5):
        self.quantile = quantile

    def fit(self, X, y):
        self.q_ = float(np.quantile(y, self.quantile))
        return self

    def predict(self, X):
        return np.full(len(X), self.q_)


def test_sparse_tag_follows_every_base_model():
    def sparse(estimators):
        return get_tags(QuantileAggregator(estimators)).input_tags.sparse

    assert sparse([_qr(), _qr(1.0)]) is True
    assert sparse([("a", _qr()), ("b", _qr(1.0))]) is True
    assert sparse([("a", _qr()), ("b", KNNQuantileRegressor())]) is False
    assert sparse([_qr(), KNNQuantileRegressor()]) is False
    # only a list is read (a tuple is not the documented container)
    assert sparse((_qr(), _qr(1.0))) is False


def test_quantiles_parameter_models_are_set_to_the_levels():
    X, y = _data()
    levels = [0.2, 0.8]
    agg = QuantileAggregator(
        [("knn", KNNQuantileRegressor(n_neighbors=5)), ("qr", _qr())],
        quantiles=levels,
        cv=2,
    ).fit(X, y)
    knn, qr = agg.estimators_
    assert isinstance(knn, KNNQuantileRegressor)
    np.testing.assert_array_equal(knn.quantiles_, levels)
    assert isinstance(qr, MultiQuantileRegressor)
    assert qr.n_jobs == 1
    np.testing.assert_array_equal(qr.quantiles_, levels)
    assert [m.quantile for m in qr.estimators_] == levels
    pipe = make_pipeline(StandardScaler(), _qr())
    agg.set_params(estimators=[("p", pipe), ("q", _qr(1.0))]).fit(X, y)
    assert isinstance(agg.estimators_[0], MultiQuantileRegressor)


def test_with_routing_only_a_requesting_model_gets_the_weights():
    X, y = _data()
    sw = np.linspace(0.5, 2.0, 40)
    with sklearn.config_context(enable_metadata_routing=True):
        agg = QuantileAggregator(
            [
                ("asks", _Weighted().set_fit_request(sample_weight=True)),
                ("declines", _Weighted().set_fit_request(sample_weight=False)),
            ],
            quantiles=[0.25, 0.75],
            cv=2,
        ).fit(X, y, sample_weight=sw)
    asks, declines = agg.estimators_
    for level in asks.estimators_:
        np.testing.assert_array_equal(level.sw_, sw)
    for level in declines.estimators_:
        assert level.sw_ is None


def test_n_jobs_zero_is_rejected_by_name():
    X, y = _data()
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    _raises(ValueError, msg, QuantileAggregator([_qr(), _qr(1.0)], n_jobs=0), X, y)


def test_fit_parameters_without_routing_are_refused_by_name():
    X, y = _data()
    msg = (
        "QuantileAggregator.fit got unexpected fit parameter(s) ['shift']; extra "
        "metadata reaches the sub-estimators only with metadata routing enabled "
        "(sklearn.set_config(enable_metadata_routing=True))."
    )
    agg = QuantileAggregator([_qr(), _qr(1.0)])
    _raises(TypeError, msg, agg, X, y, shift=np.ones(40))


class _Columns(RegressorMixin, BaseEstimator):
    """A ``quantiles`` parameter, and a predict(X) giving one column per level."""

    def __init__(self, quantiles=(0.5,)):
        self.quantiles = quantiles

    def fit(self, X, y):
        self.q_ = np.quantile(y, np.asarray(self.quantiles))
        return self

    def predict(self, X):
        return np.tile(self.q_, (len(X), 1))


def test_a_model_with_a_quantiles_parameter_needs_no_quantile_predict():
    X, y = _data()
    agg = QuantileAggregator(
        [("cols", _Columns()), ("knn", KNNQuantileRegressor(n_neighbors=5))],
        quantiles=[0.25, 0.75],
        cv=2,
    ).fit(X, y)
    np.testing.assert_array_equal(agg.estimators_[0].quantiles, [0.25, 0.75])

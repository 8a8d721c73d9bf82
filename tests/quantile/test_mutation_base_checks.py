"""Mutation tests of quantile/base.py's checks: ``_final_step``,
``predicts_quantiles``, ``check_quantile_estimator`` and the family's tags.

References by hand: which estimators' ``predict`` takes ``quantiles``, and
the error message spelled out in full.
"""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import QuantileRegressor, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags

from skvariance.quantile import KNNQuantileRegressor, MultiQuantileRegressor
from skvariance.quantile.base import check_quantile_estimator, predicts_quantiles


class _Native(RegressorMixin, BaseEstimator):
    def fit(self, X, y):
        return self

    def predict(self, X, quantiles=None):
        return np.zeros((len(X), 1))


class _NoPredict(BaseEstimator):
    def fit(self, X, y):
        return self


def test_predicts_quantiles_reads_the_final_step():
    assert predicts_quantiles(_Native())
    assert predicts_quantiles(KNNQuantileRegressor())
    assert not predicts_quantiles(QuantileRegressor())
    assert not predicts_quantiles(_NoPredict())
    assert predicts_quantiles(make_pipeline(StandardScaler(), _Native()))
    nested = make_pipeline(StandardScaler(), make_pipeline(StandardScaler(), _Native()))
    assert predicts_quantiles(nested)
    assert not predicts_quantiles(make_pipeline(StandardScaler(), Ridge()))
    # a Pipeline's own predict has no quantiles argument: a "passthrough"
    # final step leaves the Pipeline itself to decide
    passthrough = Pipeline([("scale", StandardScaler()), ("last", "passthrough")])
    assert not predicts_quantiles(passthrough)


def test_check_quantile_estimator_message_default_name():
    msg = (
        "estimator Ridge has no quantile parameter ('quantile', or 'alpha' with "
        "loss/objective='quantile') and its predict takes no 'quantiles' "
        "argument; it cannot predict quantiles."
    )
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        check_quantile_estimator(Ridge())
    assert check_quantile_estimator(_Native()) is None
    assert check_quantile_estimator(QuantileRegressor()) == "quantile"


def test_multi_quantile_message_names_the_estimator():
    msg = (
        "estimator Ridge has no quantile parameter ('quantile', or 'alpha' with "
        "loss/objective='quantile') and its predict takes no 'quantiles' "
        "argument; it cannot predict quantiles."
    )
    X = np.arange(20.0).reshape(10, 2)
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        MultiQuantileRegressor(Ridge()).fit(X, np.arange(10.0))


def test_the_family_has_poor_score():
    # the score is a negative WIS, not an R^2 that check_estimator could demand
    assert get_tags(KNNQuantileRegressor()).regressor_tags.poor_score is True
    assert get_tags(
        MultiQuantileRegressor(QuantileRegressor())
    ).regressor_tags.poor_score


class _BuiltinPredict(BaseEstimator):
    """A predict whose signature cannot be read (a builtin)."""

    predict = max

    def fit(self, X, y):
        return self


def test_an_unreadable_predict_signature_is_not_native():
    assert not predicts_quantiles(_BuiltinPredict())

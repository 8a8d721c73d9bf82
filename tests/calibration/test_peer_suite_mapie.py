"""MAPIE 1.6's own test suite, ported to our estimators.

Sources (the test files shipped in the installed ``mapie`` 1.6.0 package,
``mapie/tests/``): ``risk_control/test_multi_label_classification_control.py``,
``risk_control/test_binary_classification_control.py``,
``risk_control/test_risk_control.py``, ``test_time_series_regression.py``,
``test_regression.py``, ``test_classification.py``,
``test_quantile_regression.py``, ``test_non_regression.py``,
``test_metrics.py`` (size-stratified coverage) and
``test_conditional_metrics.py`` (coverage gap), ``test_calibration.py``
(``VennAbersCalibrator``). Each port keeps MAPIE's
data and assertions (expected numbers, shapes, properties) and calls OUR
class through its public API; a comment above each test names the peer test.
Where our documented behaviour differs (one target per fit, the exact CRC
infimum instead of a 0.01 grid, Learn-then-Test allowed for the FNR, a
too-small calibration set answered by an infinite interval and a warning
instead of an error...) the port asserts ours and says why.

MAPIE's conventions, mapped to ours: ``target_level`` is ``1 - target``;
MAPIE thresholds a multilabel probability ``p > t``, we threshold the score
``1 - p <= lambda`` (``lambda = 1 - t``); ``confidence_level`` is our
``coverage``.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from joblib import parallel_config
from scipy.stats import binom, ttest_1samp
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import (
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    QuantileRegressor,
)
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import (
    KFold,
    LeaveOneOut,
    ShuffleSplit,
    train_test_split,
)
from sklearn.multioutput import MultiOutputClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skvariance.calibration import (
    AdaptiveConformalRegressor,
    CalibrationSizeWarning,
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
    EnbPIRegressor,
    RiskController,
    RiskControlWarning,
    VennAbersClassifier,
    min_calibration_size,
)
from skvariance.metrics import coverage_by_group, size_stratified_coverage

from ._helpers import KnownProba

# -- risk_control/test_multi_label_classification_control.py -------------------
RANDOM_STATE = 42
X_TOY = np.arange(9).reshape(-1, 1)
Y_TOY = np.stack(
    [
        [1, 0, 1],
        [1, 0, 0],
        [0, 1, 1],
        [0, 1, 0],
        [0, 0, 1],
        [1, 1, 1],
        [1, 1, 0],
        [1, 0, 1],
        [0, 1, 1],
    ]
)
# MAPIE's y_toy_mapie["crc"]: the sets at target_level=0.8 (target 0.2)
Y_TOY_MAPIE_CRC = np.array(
    [[True, False, True]] * 3 + [[True, True, True]] * 6, dtype=bool
)
# MAPIE's default grid of thresholds t (p > t), as our increasing lambda = 1 - t
MAPIE_GRID = np.sort(1.0 - np.arange(0, 1, 0.01))


def _toy_estimator():
    return MultiOutputClassifier(
        LogisticRegression(max_iter=1000, random_state=RANDOM_STATE)
    ).fit(X_TOY, Y_TOY)


def _multilabel_data(allow_unlabeled=False):
    return make_multilabel_classification(
        n_samples=1000,
        n_classes=5,
        random_state=RANDOM_STATE,
        allow_unlabeled=allow_unlabeled,
    )


class ArrayOutputModel(BaseEstimator):
    """MAPIE's ArrayOutputModel: 2-d probabilities, the same for every row.

    A ``BaseEstimator`` (as in ``ArrayOutputModel3D``): our ``estimator`` is a
    scikit-learn estimator, whose fitted state scikit-learn's
    ``check_is_fitted`` reads from its tags.
    """

    def __init__(self):
        self.trained_ = True

    def fit(self, *args):
        """Dummy fit."""

    def predict_proba(self, X):
        return np.repeat(np.array([[0.9, 0.05, 0.05]]), len(np.asarray(X)), axis=0)


class ArrayOutputModel3D(BaseEstimator):
    """MAPIE's ArrayOutputModel3D: (n_samples, n_labels, 2) probabilities.

    With a dummy ``fit``: our ``estimator`` parameter asks for ``fit`` and
    ``predict_proba`` (MAPIE's ``predict_function`` needs neither).
    """

    def __init__(self):
        self.trained_ = True

    def fit(self, *args):
        """Dummy fit."""

    def predict_proba(self, X):
        base = np.array([[0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
        return np.repeat(base[np.newaxis, ...], len(np.asarray(X)), axis=0)


# test_toy_dataset_predictions[crc]
def test_toy_dataset_predictions_crc():
    est = _toy_estimator()
    # on MAPIE's grid of 100 thresholds: MAPIE's expected sets exactly
    rc = RiskController(est, risk="fnr", target=0.2, grid=MAPIE_GRID)
    rc.conformalize(X_TOY, Y_TOY)
    np.testing.assert_array_equal(rc.predict_set(X_TOY), Y_TOY_MAPIE_CRC)
    np.testing.assert_allclose(1.0 - rc.threshold_, 0.49, atol=1e-12)
    # documented difference: our default grid is every calibration score,
    # the exact CRC infimum over all real lambda, so the threshold can only
    # be less conservative than on a grid. Here it drops one label of the
    # last row (p in (0.49, 0.495)), and the CRC bound still meets the target
    exact = RiskController(est, risk="fnr", target=0.2).conformalize(X_TOY, Y_TOY)
    sets = exact.predict_set(X_TOY)
    assert exact.threshold_ <= rc.threshold_
    np.testing.assert_array_equal(sets[:8], Y_TOY_MAPIE_CRC[:8])
    np.testing.assert_array_equal(sets[8], [False, True, True])
    proba = exact.predict_proba(X_TOY)
    assert 0.49 < proba[8, 0] < 1.0 - exact.threshold_
    n = len(X_TOY)
    fnr = ((Y_TOY == 1) & ~sets).sum(axis=1) / Y_TOY.sum(axis=1)
    assert (fnr.sum() + 1.0) / (n + 1) <= 0.2 + 1e-12


# test_predict_output_shape[crc-0.8-*]
@pytest.mark.parametrize("target", [0.2, (0.2, 0.3)])
def test_predict_output_shape(target):
    X, y = _multilabel_data()
    est = MultiOutputClassifier(
        LogisticRegression(max_iter=1000, random_state=RANDOM_STATE)
    ).fit(X, y)
    if np.ndim(target):
        # documented difference: one target per fit (MAPIE adds a third axis
        # for a list of target levels); a list is refused, naming target
        with pytest.raises(ValueError, match="target"):
            RiskController(est, risk="fnr", target=target).conformalize(X, y)
        return
    rc = RiskController(est, risk="fnr", target=target).conformalize(X, y)
    assert rc.predict(X).shape == (y.shape[0], y.shape[1])
    assert rc.predict_set(X).shape == (y.shape[0], y.shape[1])


# test_method_error_if_no_label_fit
def test_error_if_a_row_has_no_label():
    X, y = _multilabel_data(allow_unlabeled=True)
    est = MultiOutputClassifier(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="at least one true label"):
        RiskController(est, risk="fnr").conformalize(X, y)


# test_method_error_in_init, test_metric_error_in_init
@pytest.mark.parametrize(
    "params",
    [{"method": m} for m in ["rpcs", "rcr", "test", "llt", "rcps"]]
    + [{"risk": r} for r in ["presicion", "recal", ""]],
)
def test_invalid_method_or_risk(params):
    with pytest.raises(ValueError, match=next(iter(params))):
        RiskController(_toy_estimator(), **params).conformalize(X_TOY, Y_TOY)


# test_error_confidence_level_wrong_value(_ltt),
# test_error_confidence_level_wrong_type(_ltt)
@pytest.mark.parametrize(
    "confidence_level",
    [-1.0, 0, 1, 4, -3, np.arange(0, 1, 0.01), (0.1, 0.2), [0.4, 0.5], None],
)
def test_confidence_level_wrong_value_or_type(confidence_level):
    X, y = make_classification(n_samples=60, random_state=0)
    est = LogisticRegression().fit(X, y)
    rc = RiskController(
        est, risk="precision", method="ltt", confidence_level=confidence_level
    )
    with pytest.raises(ValueError, match="confidence_level"):
        rc.conformalize(X, y)


# test_confidence_level_none_crc, test_bound_none_crc
def test_crc_does_not_use_confidence_level():
    # documented difference: MAPIE warns that CRC ignores confidence_level;
    # ours documents it ("not used by CRC") and, as a scikit-learn parameter
    # with a default, cannot tell a default from a choice: no warning
    # (filterwarnings=error), and the threshold does not depend on it
    est = _toy_estimator()
    a = RiskController(est, risk="fnr", target=0.2, confidence_level=0.9)
    b = RiskController(est, risk="fnr", target=0.2, confidence_level=0.5)
    assert (
        a.conformalize(X_TOY, Y_TOY).threshold_
        == b.conformalize(X_TOY, Y_TOY).threshold_
    )


# test_transform_pred_proba_ndarray_invalid_dims
def test_invalid_probability_dimensions():
    class OneDimensional(ArrayOutputModel):
        def predict_proba(self, X):
            return np.full(len(np.asarray(X)), 0.6)

    with pytest.raises(ValueError, match="one positive-class probability per label"):
        RiskController(OneDimensional(), risk="fnr").conformalize(X_TOY, Y_TOY)


# test_error_wrong_method_metric_precision
def test_precision_needs_ltt():
    X, y = make_classification(n_samples=60, random_state=0)
    est = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="method='ltt'"):
        RiskController(est, risk="precision", method="crc").conformalize(X, y)


# test_check_invalid_method_for_risk (recall with ltt)
def test_fnr_with_ltt_is_allowed():
    # documented difference: MAPIE refuses LTT for the multilabel recall; the
    # FNR of a row is a loss in [0, 1], and Learn-then-Test controls the mean
    # of any loss in [0, 1] (Angelopoulos et al., 2021), so we allow it
    X, y = _multilabel_data()
    est = MultiOutputClassifier(LogisticRegression(max_iter=1000)).fit(X, y)
    rc = RiskController(est, risk="fnr", method="ltt", target=0.2)
    rc.conformalize(X, y)
    assert rc.controlled_
    chosen = np.searchsorted(rc.grid_, rc.threshold_)
    assert rc.risk_curve_[chosen] <= 0.2
    assert rc.p_values_[chosen] <= 1 - rc.confidence_level


# test_predict_before_calibrate
def test_predict_before_calibrate():
    rc = RiskController(_toy_estimator(), risk="fnr")
    with pytest.raises(NotFittedError):
        rc.predict(X_TOY)


# test_reinit_new_fit
def test_recalibration_starts_afresh():
    rc = RiskController(_toy_estimator(), risk="fnr", target=0.2)
    first = rc.conformalize(X_TOY, Y_TOY).threshold_
    rc.conformalize(X_TOY, Y_TOY)
    assert rc.n_calibration_ == len(X_TOY)
    assert rc.threshold_ == first


# test_error_compute_risks_different_size
def test_calibration_features_must_match_the_estimator():
    X, y = _multilabel_data()
    with pytest.raises(ValueError, match="features"):
        RiskController(_toy_estimator(), risk="fnr").conformalize(X, y)


# test_pipeline_compatibility[crc]
def test_pipeline_compatibility():
    X = pd.DataFrame(
        {"x_cat": ["A", "A", "B", "A", "A", "B"], "x_num": [0, 1, 1, 4, np.nan, 5]}
    )
    y = np.array([[0, 0, 1], [0, 0, 1], [1, 1, 0], [1, 0, 1], [1, 0, 1], [1, 1, 1]])
    preprocessor = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["x_cat"]),
            ("num", SimpleImputer(strategy="mean"), ["x_num"]),
        ]
    )
    pipe = make_pipeline(preprocessor, MultiOutputClassifier(LogisticRegression()))
    pipe.fit(X, y)
    rc = RiskController(pipe, risk="fnr", target=0.5).conformalize(X, y)
    assert rc.predict(X).shape == y.shape


# test_array_output_model[crc-*],
# test_calibrate_with_ndarray_predict_proba[recall-crc],
# test_transform_pred_proba_ndarray_2d / _3d / _list_of_arrays
@pytest.mark.parametrize("model", [ArrayOutputModel, ArrayOutputModel3D, "list"])
def test_probability_formats(model):
    if model == "list":
        est = _toy_estimator()  # MultiOutputClassifier: a list of (n, 2) arrays
        want = np.stack([p[:, 1] for p in est.predict_proba(X_TOY)], axis=1)
    else:
        est = model()
        proba = est.predict_proba(X_TOY)
        want = proba[..., 1] if proba.ndim == 3 else proba
    rc = RiskController(est, risk="fnr", target=0.5).conformalize(X_TOY, Y_TOY)
    np.testing.assert_allclose(rc.predict_proba(X_TOY), want)
    y_ps = rc.predict(X_TOY)
    assert y_ps.shape == (len(X_TOY), Y_TOY.shape[1])


# -- risk_control/test_risk_control.py ------------------------------------------
def _binary_calibration(n, n_miss):
    """n rows of a prefit binary model: n_miss with p_y = 0.2, the rest 0.8."""
    proba = np.tile([0.2, 0.8], (n, 1))
    proba[:n_miss] = [0.8, 0.2]
    y = np.ones(n, dtype=int)
    est = KnownProba().fit(np.zeros((2, 2)), [0, 1])
    return est, proba, y


# test_computed_hb_p_value_matches_manual_calculation
@pytest.mark.parametrize("risk_hat", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("binary", [True, False])
def test_hb_p_value_matches_manual_calculation(risk_hat, binary):
    n, alpha = 10, 0.1

    def h1(a, b):
        return a * np.log(a / b) + (1 - a) * np.log((1 - a) / (1 - b))

    def manual(count):
        term1 = np.exp(-n * h1(min(risk_hat, alpha), alpha))
        term2 = (1 if binary else np.e) * binom.cdf(count, n, alpha)
        return min(term1, term2)

    # the miscoverage at lambda = 0.5 is risk_hat: a binary loss; a callable
    # loss with the same values is treated as a general loss in [0, 1]
    est, proba, y = _binary_calibration(n, round(risk_hat * n))

    def miss(y_true, p, lam):
        return (1.0 - p[np.arange(len(y_true)), y_true] > lam).astype(float)

    risk = "miscoverage" if binary else miss
    kw = dict(risk=risk, target=alpha, method="ltt", grid=[0.5])
    # MAPIE's count ceil(n * risk_hat) of the floating-point risk
    rc = RiskController(est, p_value="hoeffding_bentkus_mapie", **kw)
    rc.conformalize(proba, y)
    np.testing.assert_allclose(rc.risk_curve_, [risk_hat], rtol=1e-12)
    assert np.isclose(rc.p_values_[0], manual(np.ceil(n * risk_hat)), atol=1e-12)
    # our default takes n * risk_hat as the count it is: a difference only
    # where float noise rounds the count up (10 * 0.3 = 3.0000000000000004)
    rc = RiskController(est, **kw).conformalize(proba, y)
    assert np.isclose(rc.p_values_[0], manual(round(n * risk_hat)), atol=1e-12)


# test_ltt_procedure_n_obs_negative
def test_undefined_risk_is_never_valid():
    # precision where no point is predicted positive: MAPIE's n_obs = -1, no
    # valid lambda; ours: a NaN risk, p-value 1, not valid
    est, proba, y = _binary_calibration(20, 0)
    y[:10] = 0
    rc = RiskController(est, risk="precision", method="ltt", target=0.4, grid=[0.9])
    rc.conformalize(proba, y)
    assert np.isnan(rc.risk_curve_[0]) and rc.p_values_[0] == 1.0
    assert rc.valid_thresholds_.size == 0 and not rc.controlled_


# test_warning_valid_index_empty
def test_warning_when_no_threshold_is_valid():
    est, proba, y = _binary_calibration(20, 10)
    rc = RiskController(est, risk="miscoverage", method="ltt", target=0.1)
    rc.conformalize(proba, y)
    assert not rc.controlled_
    with pytest.warns(RiskControlWarning, match="no threshold controls"):
        rc.predict_set(proba)


# -- risk_control/test_binary_classification_control.py -------------------------
# test_binary_classification_risk[precision|recall-*]
@pytest.mark.parametrize(
    "risk, metric_func, effective_sample_func",
    [
        ("precision", precision_score, lambda y_true, y_pred: np.sum(y_pred == 1)),
        ("recall", recall_score, lambda y_true, y_pred: np.sum(y_true == 1)),
    ],
)
@pytest.mark.parametrize(
    "y_true, y_pred",
    [
        (np.array([1, 0, 1, 0]), np.array([1, 1, 0, 0])),
        (np.array([1, 1, 0, 0]), np.array([1, 1, 1, 0])),
        (np.array([0, 0, 0, 0]), np.array([0, 1, 0, 1])),
    ],
)
def test_binary_classification_risk(
    risk, metric_func, effective_sample_func, y_true, y_pred
):
    # the predictions y_pred as probabilities p_1 in {0, 1}, one threshold 0.5
    proba = np.column_stack([1 - y_pred, y_pred]).astype(float)
    est = KnownProba().fit(np.zeros((2, 2)), [0, 1])
    rc = RiskController(est, risk=risk, method="ltt", grid=[0.5])
    rc.conformalize(proba, y_true)
    value = rc.risk_curve_[0]
    if effective_sample_func(y_true, y_pred) != 0:
        assert np.isclose(value, 1 - metric_func(y_true, y_pred))
    else:
        # documented difference: MAPIE's (value, n) = (1, -1) for an undefined
        # risk; ours is NaN (risk_curve_'s documentation) and never valid
        assert np.isnan(value) and rc.p_values_[0] == 1.0


_RX, _RY = make_classification(
    n_features=2, n_redundant=0, n_informative=2, random_state=42
)
_RX_TRAIN, _RX_CALIB, _RY_TRAIN, _RY_CALIB = train_test_split(
    _RX, _RY, test_size=0.4, random_state=42
)


# test_functional_multi_risk[risks_10-targets_10-precision-0.7] (one risk)
def test_functional_precision_control():
    clf = LogisticRegression().fit(_RX_TRAIN, _RY_TRAIN)
    rc = RiskController(
        clf,
        risk="precision",
        target=0.3,
        method="ltt",
        fwer_method="bonferroni_holm",
        p_value="hoeffding_bentkus_mapie",
    ).conformalize(_RX_CALIB, _RY_CALIB)
    assert len(rc.valid_thresholds_) > 1
    assert rc.controlled_ and np.isfinite(rc.threshold_)
    risk_control = pytest.importorskip("mapie.risk_control")
    peer = risk_control.BinaryClassificationController(
        predict_function=clf.predict_proba,
        risk=risk_control.precision,
        target_level=0.7,
    ).calibrate(_RX_CALIB, _RY_CALIB)
    np.testing.assert_allclose(rc.valid_thresholds_, peer.valid_predict_params)
    assert np.isclose(rc.threshold_, peer.best_predict_param)


# test_binary_classification_controller_sklearn_pipeline_with_dataframe
def test_pipeline_with_dataframe():
    X_df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    y = np.array([1, 1, 0, 1], dtype=int)
    pipe = Pipeline(steps=[("clf", DummyClassifier(random_state=RANDOM_STATE))])
    pipe.fit(X_df, y)
    rc = RiskController(
        pipe,
        risk="precision",
        target=0.9,
        method="ltt",
        confidence_level=0.1,
        fwer_method="bonferroni",
    ).conformalize(X_df, y)
    assert rc.predict(X_df).shape == (4,)


# test_default_fwer_method_is_bonferroni_holm
def test_default_fwer_method():
    # documented difference: our default is fixed-sequence testing from the
    # safest threshold (no Bonferroni division over a monotone grid); MAPIE's
    # BinaryClassificationController defaults to Bonferroni-Holm, available
    # here as fwer_method="bonferroni_holm"
    assert RiskController().fwer_method == "fixed_sequence"


# test_check_fwer_method_invalid_method (the mono-risk cases)
@pytest.mark.parametrize("fwer_method", ["invalid_method", 10])
def test_invalid_fwer_method(fwer_method):
    est, proba, y = _binary_calibration(20, 2)
    rc = RiskController(est, method="ltt", fwer_method=fwer_method)
    # scikit-learn's InvalidParameterError is both a ValueError (MAPIE's
    # error for an unknown name) and a TypeError (MAPIE's for a non-string)
    with pytest.raises(ValueError, match="fwer_method"):
        rc.conformalize(proba, y)
    with pytest.raises(TypeError, match="fwer_method"):
        rc.conformalize(proba, y)


# test_prepare_y_converts_labels_to_int
def test_boolean_labels():
    X = np.array([[0.2], [0.9], [0.7], [0.1]])
    y = np.array([False, True, True, False])
    est = LogisticRegression().fit(X, y)
    rc = RiskController(est, risk="precision", method="ltt", target=0.5)
    rc.conformalize(X, y)
    np.testing.assert_array_equal(rc.classes_, [False, True])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RiskControlWarning)  # 4 rows only
        assert rc.predict(X).dtype == bool


# -- test_time_series_regression.py ----------------------------------------------
TS_RANDOM_STATE = 1
TS_X_TOY = np.array(range(5)).reshape(-1, 1)
TS_Y_TOY = (5.0 + 2.0 * TS_X_TOY**1.1).flatten()
TS_X, TS_Y = make_regression(
    n_samples=500, n_features=10, noise=1.0, random_state=TS_RANDOM_STATE
)
# MAPIE's WIDTHS / COVERAGES of the EnbPI strategies without beta optimisation
TS_WIDTHS = {"mean": 3.89, "median": 3.85}
TS_COVERAGES = {"mean": 0.956, "median": 0.956}


def _block_bootstrap():
    subsample = pytest.importorskip("mapie.subsample")
    return subsample.BlockBootstrap(
        n_resamplings=30, n_blocks=5, random_state=TS_RANDOM_STATE
    )


def _width_coverage(bounds, y):
    width = (bounds[:, 1] - bounds[:, 0]).mean()
    return width, np.mean((y >= bounds[:, 0]) & (y <= bounds[:, 1]))


# test_linear_regression_results[blockbootstrap_enbpi_mean|median],
# test_results_for_ordered_alpha[blockbootstrap_enbpi_mean|median]
@pytest.mark.parametrize("aggregation", ["mean", "median"])
def test_enbpi_linear_regression_results(aggregation):
    # MAPIE's EnbPI: signed residuals, alpha / 2 on each side (symmetric=False)
    enbpi = EnbPIRegressor(
        bootstrap=_block_bootstrap(), aggregation=aggregation, symmetric=False
    )
    enbpi.fit(TS_X, TS_Y)
    enbpi.update(TS_X, TS_Y)
    wide = enbpi.predict_interval(TS_X, 0.95)
    width, coverage = _width_coverage(wide, TS_Y)
    np.testing.assert_allclose(width, TS_WIDTHS[aggregation], rtol=1e-2)
    np.testing.assert_allclose(coverage, TS_COVERAGES[aggregation], rtol=1e-2)
    # ordered levels: every row's 95% interval is at least as wide as its 90%
    # one (checked on the first 100 rows: the median centre costs
    # O(n_train * n_models) per row)
    narrow = enbpi.predict_interval(TS_X[:100], 0.9)
    assert np.all(wide[:100, 1] - wide[:100, 0] >= narrow[:, 1] - narrow[:, 0])


# test_MapieTimeSeriesRegressor_update_conformity_scores_with_ensemble
def test_enbpi_update_residuals_with_ensemble():
    # MAPIE's cv=-1: one model per left-out row (leave-one-out bootstrap)
    enbpi = EnbPIRegressor(bootstrap=LeaveOneOut(), symmetric=False)
    enbpi.fit(TS_X_TOY, TS_Y_TOY)
    enbpi.update(TS_X_TOY, TS_Y_TOY)
    assert round(enbpi.residuals_[-1], 2) == round(abs(14.189 - 14.038), 2)
    enbpi.update(np.array([[6]]), np.array([17.5]))
    assert round(enbpi.residuals_[-1], 2) == round(17.5 - 18.665, 2)
    assert enbpi.residuals_.size == TS_X_TOY.shape[0]  # the window slides


def test_enbpi_update_residuals_equal_mapie():
    regression = pytest.importorskip("mapie.regression")
    peer = regression.TimeSeriesRegressor(method="enbpi", cv=-1)
    peer.fit(TS_X_TOY, TS_Y_TOY)
    enbpi = EnbPIRegressor(bootstrap=LeaveOneOut(), symmetric=False)
    enbpi.fit(TS_X_TOY, TS_Y_TOY)
    for X_new, y_new in [(TS_X_TOY, TS_Y_TOY), (np.array([[6]]), np.array([17.5]))]:
        peer._update_conformity_scores_with_ensemble(X_new, y_new, ensemble=True)
        enbpi.update(X_new, y_new)
        np.testing.assert_allclose(
            enbpi.residuals_, peer.conformity_scores_, rtol=1e-12
        )


# test_predict_output_shape, test_results_for_same_alpha,
# test_results_for_alpha_as_float_and_arraylike (EnbPI strategies)
@pytest.mark.parametrize("dataset", ["large", "toy"])
def test_enbpi_output_shape(dataset):
    X, y = (TS_X, TS_Y) if dataset == "large" else (TS_X_TOY, TS_Y_TOY)
    enbpi = EnbPIRegressor(bootstrap=_block_bootstrap()).fit(X, y)
    assert enbpi.predict(X).shape == (X.shape[0],)
    bounds = enbpi.predict_interval(X, coverage=0.8)
    assert bounds.shape == (X.shape[0], 2)
    np.testing.assert_array_equal(bounds, enbpi.predict_interval(X, coverage=0.8))
    # documented difference: one coverage per call (MAPIE takes a list and
    # adds a third axis); a list is refused, naming coverage
    with pytest.raises(ValueError, match="coverage"):
        enbpi.predict_interval(X, coverage=[0.8, 0.6])


# test_results_single_and_multi_jobs (EnbPI strategies)
def test_enbpi_single_and_multi_jobs():
    one = EnbPIRegressor(bootstrap=_block_bootstrap(), n_jobs=1).fit(TS_X_TOY, TS_Y_TOY)
    # two threads: the models are fitted in parallel as with processes,
    # without a process pool's start-up time
    with parallel_config(backend="threading"):
        two = EnbPIRegressor(bootstrap=_block_bootstrap(), n_jobs=2)
        two.fit(TS_X_TOY, TS_Y_TOY)
    np.testing.assert_allclose(one.predict(TS_X_TOY), two.predict(TS_X_TOY))
    np.testing.assert_allclose(
        one.predict_interval(TS_X_TOY, 0.5), two.predict_interval(TS_X_TOY, 0.5)
    )


# test_not_enough_resamplings
def test_enbpi_rows_without_out_of_bag_model():
    # documented difference: MAPIE warns and carries NaN residuals for rows
    # in every bootstrap sample; we refuse, before any model is fitted,
    # since such a row has no leave-one-out prediction
    subsample = pytest.importorskip("mapie.subsample")
    boot = subsample.BlockBootstrap(n_resamplings=2, n_blocks=1, random_state=0)
    with pytest.raises(ValueError, match="in every bootstrap sample"):
        EnbPIRegressor(bootstrap=boot, aggregation="mean").fit(TS_X, TS_Y)


# test_invalid_agg_function, test_no_agg_fx_specified_with_subsample
@pytest.mark.parametrize("aggregation", ["dummy", 0, 1, 2.5, [1, 2], None])
def test_enbpi_invalid_aggregation(aggregation):
    with pytest.raises(ValueError, match="aggregation"):
        EnbPIRegressor(aggregation=aggregation).fit(TS_X_TOY, TS_Y_TOY)


# test_results_with_constant_sample_weights,
# test_sample_weight_as_top_level_kwarg_raises
@pytest.mark.parametrize("cls", ["EnbPIRegressor", "AdaptiveConformalRegressor"])
def test_online_fit_takes_no_sample_weight(cls):
    # documented difference: the online calibrators' fit takes (X, y) only
    # (MAPIE routes sample_weight to the models through fit_params); a
    # sample_weight keyword is a TypeError, as MAPIE's top-level one
    est = EnbPIRegressor() if cls == "EnbPIRegressor" else AdaptiveConformalRegressor()
    with pytest.raises(TypeError, match="sample_weight"):
        est.fit(TS_X, TS_Y, sample_weight=np.ones(len(TS_X)))


# test_aci__get_alpha_with_unknown_alpha
def test_aci_alpha_after_covered_steps():
    # alpha_t starts at 1 - 0.8 = 0.2; five covered steps with gamma = 0.1
    # add gamma * alpha each: 0.2 + 5 * 0.1 * 0.2 = 0.3 (MAPIE's expected)
    aci = AdaptiveConformalRegressor(coverage=0.8, gamma=0.1)
    aci.fit(TS_X_TOY, TS_Y_TOY)
    aci.update(TS_X_TOY, TS_Y_TOY)
    np.testing.assert_array_equal(aci.errors_, np.zeros(5))
    np.testing.assert_allclose(aci.alpha_t_, 0.3, rtol=1e-3)


# test_aci_method, test_methods_preservation_in_fit
@pytest.mark.parametrize("method", ["aci", "pid"])
def test_online_flow_preserves_method(method):
    X_train_val, X_test, y_train_val, y_test = train_test_split(
        TS_X, TS_Y, test_size=0.33, random_state=TS_RANDOM_STATE
    )
    est = AdaptiveConformalRegressor(method=method, coverage=0.95, gamma=0.01)
    est.fit(X_train_val, y_train_val)
    assert est.predict_interval(X_test).shape == (len(X_test), 2)
    est.update(X_test, y_test)
    assert est.method == method
    assert est.errors_.shape == (len(X_test),)


# test_valid_gamma, test_invalid_large_gamma
@pytest.mark.parametrize("gamma", [0.1, 0.5, 0.9, 1.5, -0.1])
def test_aci_gamma(gamma):
    aci = AdaptiveConformalRegressor(gamma=gamma)
    if gamma <= 0:
        with pytest.raises(ValueError, match="gamma"):
            aci.fit(TS_X_TOY, TS_Y_TOY)
        return
    # documented difference: MAPIE refuses gamma >= 1; ACI's long-run bound
    # |mean(err) - alpha| <= (max(alpha_1, 1 - alpha_1) + gamma) / (gamma T)
    # holds for every gamma > 0 (Gibbs & Candes 2021), so 1.5 is accepted
    aci.fit(TS_X_TOY, TS_Y_TOY)


# test_results_prefit (time series: split conformal of a prefit model)
def test_ts_results_prefit():
    X_train_val, X_test, y_train_val, y_test = train_test_split(
        TS_X, TS_Y, test_size=1 / 3, random_state=TS_RANDOM_STATE
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_train_val, y_train_val, test_size=1 / 2, random_state=TS_RANDOM_STATE
    )
    estimator = LinearRegression().fit(X_train, y_train)
    reg = ConformalRegressor(estimator).conformalize(X_val, y_val)
    # MAPIE's TimeSeriesRegressor(cv="prefit") uses signed residuals with
    # alpha / 2 on each side (width 4.86, coverage 0.97). Our split interval
    # is symmetric (absolute residuals): documented difference, narrower here
    width, coverage = _width_coverage(reg.predict_interval(X_test, 0.95), y_test)
    np.testing.assert_allclose([width, coverage], [4.20, 0.958], rtol=1e-2)
    # MAPIE's signed bounds are order statistics of the same residuals, our
    # predictive quantiles: the upper at 0.975, the lower at the rank
    # floor(0.025 (n + 1)) (MAPIE's), i.e. level floor(0.025 (n + 1)) / (n + 1)
    n = len(y_val)
    low = np.floor(0.025 * (n + 1)) / (n + 1)
    q = reg.predict_quantiles(X_test, [low, 0.975])
    width, coverage = _width_coverage(q, y_test)
    np.testing.assert_allclose(width, 4.86, rtol=1e-2)
    np.testing.assert_allclose(coverage, 0.97, rtol=1e-2)


# -- test_regression.py ------------------------------------------------------------
REG_X_TOY = np.array([0, 1, 2, 3, 4, 5]).reshape(-1, 1)
REG_Y_TOY = np.array([5, 7, 9, 11, 13, 15])
REG_X, REG_Y = make_regression(n_samples=500, n_features=10, noise=1.0, random_state=1)
REG_STRATEGIES = {
    "split": dict(calibration_size=0.5, random_state=1),
    "cv_plus": dict(
        method="cv_plus", cv=KFold(n_splits=3, shuffle=True, random_state=1)
    ),
    "jackknife_plus": dict(method="cv_plus", cv=LeaveOneOut()),
    "jackknife_plus_ab": dict(
        method="jackknife_plus_ab", n_resamples=30, random_state=1
    ),
}
REG_WIDTHS = {
    "naive": 3.80,
    "split": 3.89,
    "jackknife_plus": 3.90,
    "cv_plus": 3.91,
    "prefit": 3.89,
    "jackknife_plus_ab": 3.90,
}
REG_COVERAGES = {
    "naive": 0.954,
    "split": 0.956,
    "jackknife_plus": 0.952,
    "cv_plus": 0.954,
    "prefit": 0.956,
    "jackknife_plus_ab": 0.952,
}


# test_results_prefit
def test_results_prefit():
    X_train, X_calib, y_train, y_calib = train_test_split(
        REG_X, REG_Y, test_size=1 / 2, random_state=1
    )
    estimator = LinearRegression().fit(X_train, y_train)
    reg = ConformalRegressor(estimator).conformalize(X_calib, y_calib)
    width, coverage = _width_coverage(reg.predict_interval(X_calib, 0.95), y_calib)
    np.testing.assert_allclose(width, REG_WIDTHS["prefit"], rtol=1e-2)
    np.testing.assert_allclose(coverage, REG_COVERAGES["prefit"], rtol=1e-2)
    regression = pytest.importorskip("mapie.regression")
    peer = regression.SplitConformalRegressor(
        estimator, confidence_level=0.95, prefit=True
    ).conformalize(X_calib, y_calib)
    np.testing.assert_allclose(
        reg.predict_interval(X_calib, 0.95),
        peer.predict_interval(X_calib)[1][:, :, 0],
        rtol=1e-12,
    )


# test_results_prefit_naive
def test_results_prefit_naive():
    estimator = LinearRegression().fit(REG_X, REG_Y)
    reg = ConformalRegressor(estimator).conformalize(REG_X, REG_Y)
    width, coverage = _width_coverage(reg.predict_interval(REG_X, 0.05 + 0.9), REG_Y)
    np.testing.assert_allclose(width, REG_WIDTHS["naive"], rtol=1e-2)
    np.testing.assert_allclose(coverage, REG_COVERAGES["naive"], rtol=1e-2)


# test_linear_regression_results[split|cv_plus|jackknife_plus|jackknife_plus_ab]
@pytest.mark.parametrize(
    "strategy",
    [
        "split",
        "cv_plus",
        pytest.param("jackknife_plus", marks=pytest.mark.slow),  # 500 LOO fits
        "jackknife_plus_ab",
    ],
)
def test_linear_regression_results(strategy):
    reg = ConformalRegressor(LinearRegression(), **REG_STRATEGIES[strategy])
    reg.fit(REG_X, REG_Y)
    width, coverage = _width_coverage(reg.predict_interval(REG_X, 0.95), REG_Y)
    np.testing.assert_allclose(width, REG_WIDTHS[strategy], rtol=1e-2)
    np.testing.assert_allclose(coverage, REG_COVERAGES[strategy], rtol=1e-2)


# test_linear_data_confidence_interval[split|cv_plus|jackknife_plus|jackknife_plus_ab]
@pytest.mark.parametrize("strategy", [*REG_STRATEGIES])
def test_linear_data_confidence_interval(strategy):
    params = dict(REG_STRATEGIES[strategy])
    if strategy == "split":
        params["calibration_size"] = 0.25  # 6 rows: a 50% split leaves 3
    reg = ConformalRegressor(LinearRegression(), **params).fit(REG_X_TOY, REG_Y_TOY)
    bounds = reg.predict_interval(REG_X_TOY, coverage=0.5)
    np.testing.assert_allclose(bounds[:, 0], bounds[:, 1], atol=1e-9)
    np.testing.assert_allclose(reg.predict(REG_X_TOY), bounds[:, 0], atol=1e-9)


# test_results_prefit_ignore_method
@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_prefit_needs_split(method):
    # documented difference: MAPIE ignores method with cv="prefit"; our
    # conformalize refuses a method that refits models (CV+, J+aB)
    estimator = LinearRegression().fit(REG_X, REG_Y)
    with pytest.raises(ValueError, match="split"):
        ConformalRegressor(estimator, method=method).conformalize(REG_X, REG_Y)


def _coverage_validity(delta, n_calib, n_split):
    n_train, n_test = 100, 1000
    X, y = make_regression(n_train + n_calib + n_test, random_state=1)
    Xtr, Xct, ytr, yct = train_test_split(X, y, train_size=n_train, random_state=1)
    model = LinearRegression().fit(Xtr, ytr)
    cov = np.empty(n_split)
    for i in range(n_split):
        # MAPIE draws the splits from the global RNG; seeded here
        Xc, Xt, yc, yt = train_test_split(Xct, yct, test_size=n_test, random_state=i)
        bounds = (
            ConformalRegressor(model)
            .conformalize(Xc, yc)
            .predict_interval(Xt, coverage=delta)
        )
        cov[i] = np.mean((yt >= bounds[:, 0]) & (yt <= bounds[:, 1]))
    # MAPIE's t-tests: mean coverage not below delta, not above
    # delta + 1 / (n_calib + 1), at 1% / 30 (Bonferroni)
    _, p_low = ttest_1samp(cov, popmean=delta, alternative="less")
    _, p_up = ttest_1samp(cov, popmean=delta + 1 / (n_calib + 1), alternative="greater")
    assert p_low > 0.01 / 30 and p_up > 0.01 / 30


# test_coverage_validity (one case by default; the peer's grid is slow)
def test_coverage_validity():
    _coverage_validity(0.8, 10, 100)


@pytest.mark.slow
@pytest.mark.parametrize("delta", [0.6, 0.8])
@pytest.mark.parametrize("n_calib", [10 + i for i in range(13)] + [50, 100])
def test_coverage_validity_grid(delta, n_calib):
    _coverage_validity(delta, n_calib, 100)


# test_calibration_data_size_symmetric_score
@pytest.mark.parametrize("delta", [0.6, 0.8, 0.9, 0.95])
def test_calibration_data_size_symmetric_score(delta):
    X, y = make_regression(1000, random_state=42)
    Xtr, Xct, ytr, yct = train_test_split(X, y, train_size=100, random_state=0)
    model = LinearRegression().fit(Xtr, ytr)
    n_sufficient = int(np.ceil(1 / (1 - delta)))
    reg = ConformalRegressor(model).conformalize(Xct[:n_sufficient], yct[:n_sufficient])
    assert np.isfinite(reg.predict_interval(Xct[-5:], coverage=delta)).all()
    # documented difference: MAPIE raises ValueError below n = 1 / alpha;
    # the exact conformal interval is finite from n >= (1 - alpha) / alpha
    # (min_calibration_size) and (-inf, inf) below, with a warning
    n_low = int(np.floor(1 / (1 - delta)))
    reg = ConformalRegressor(model).conformalize(Xct[:n_low], yct[:n_low])
    if n_low >= min_calibration_size(delta):
        assert np.isfinite(reg.predict_interval(Xct[-5:], coverage=delta)).all()
    n_small = min_calibration_size(delta) - 1
    reg = ConformalRegressor(model).conformalize(Xct[:n_small], yct[:n_small])
    with pytest.warns(CalibrationSizeWarning):
        bounds = reg.predict_interval(Xct[-5:], coverage=delta)
    np.testing.assert_array_equal(bounds, np.tile([-np.inf, np.inf], (5, 1)))


# test_predict_infinite_intervals
def test_coverage_one_is_refused():
    # documented difference: MAPIE returns (-inf, inf) for alpha = 0; a
    # coverage must lie in (0, 1) here
    reg = ConformalRegressor(LinearRegression(), random_state=0).fit(REG_X, REG_Y)
    with pytest.raises(ValueError, match="coverage"):
        reg.predict_interval(REG_X, coverage=1.0)


# test_pipeline_compatibility
def test_regression_pipeline_compatibility():
    X = pd.DataFrame(
        {
            "x_cat": ["A", "A", "B", "A", "A", "B"],
            "x_num": [0, 1, 1, 4, np.nan, 5],
            "y": [5, 7, 3, 9, 10, 8],
        }
    )
    y = pd.Series([5, 7, 3, 9, 10, 8])
    preprocessor = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["x_cat"]),
            ("num", SimpleImputer(strategy="mean"), ["x_num"]),
        ]
    )
    pipe = make_pipeline(preprocessor, LinearRegression())
    reg = ConformalRegressor(pipe, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (6,)


# test_split_conformal_pipeline_with_sample_weight
def test_split_conformal_pipeline_with_sample_weight():
    X_reg, y_reg = make_regression(n_samples=100, n_features=5, random_state=42)
    X_train, X_conf, y_train, y_conf = train_test_split(
        X_reg, y_reg, test_size=0.3, random_state=42
    )
    pipe = make_pipeline(LinearRegression())
    sample_weight = np.ones(X_train.shape[0])
    # fit (split inside) with sample_weight, and the prefit route
    reg = ConformalRegressor(pipe, random_state=0)
    reg.fit(X_train, y_train, sample_weight=sample_weight)
    assert reg.predict_interval(X_conf).shape == (X_conf.shape[0], 2)
    pipe.fit(X_train, y_train, linearregression__sample_weight=sample_weight)
    prefit = ConformalRegressor(pipe).conformalize(X_conf, y_conf)
    assert prefit.predict(X_conf).shape == (X_conf.shape[0],)
    assert prefit.predict_interval(X_conf).shape == (X_conf.shape[0], 2)


# -- test_classification.py --------------------------------------------------------
CLF_X_TOY = np.arange(9).reshape(-1, 1)
CLF_Y_TOY = np.array([0, 0, 1, 0, 1, 1, 2, 1, 2])
CLF_Y_TOY_LAC = [
    [True, False, False],
    [True, False, False],
    [False, False, False],
    [False, False, False],
    [False, True, False],
    [False, True, False],
    [False, False, False],
    [False, False, False],
    [False, False, True],
]
CLF_Y_TOY_BINARY = np.array([0, 0, 1, 0, 1, 1, 0, 1, 1])
CLF_Y_TOY_BINARY_LAC = [[True, False]] * 2 + [[False, False]] * 3 + [[False, True]] * 4


# test_toy_dataset_predictions[lac], test_toy_binary_dataset_predictions[lac]
@pytest.mark.parametrize("binary", [False, True])
def test_toy_dataset_predictions_lac(binary):
    y = CLF_Y_TOY_BINARY if binary else CLF_Y_TOY
    expected = CLF_Y_TOY_BINARY_LAC if binary else CLF_Y_TOY_LAC
    clf = LogisticRegression().fit(CLF_X_TOY, y)
    conf = ConformalClassifier(clf, score="lac").conformalize(CLF_X_TOY, y)
    sets = conf.predict_set(CLF_X_TOY, coverage=0.5)
    np.testing.assert_array_equal(sets, expected)
    np.testing.assert_allclose(sets[np.arange(9), y].mean(), 5 / 9)


# test_same_results_prefit[lac]
def test_same_results_prefit_lac():
    X, y = make_classification(
        n_samples=500, n_features=10, n_informative=3, n_classes=3, random_state=42
    )
    split = ConformalClassifier(
        LogisticRegression(), score="lac", calibration_size=0.5, random_state=42
    ).fit(X, y)
    cal = split.calibration_indices_
    train = np.setdiff1d(np.arange(len(y)), cal)
    model = LogisticRegression().fit(X[train], y[train])
    prefit = ConformalClassifier(model, score="lac").conformalize(X[cal], y[cal])
    np.testing.assert_array_equal(split.predict(X), prefit.predict(X))
    np.testing.assert_array_equal(
        split.predict_set(X, coverage=0.9), prefit.predict_set(X, coverage=0.9)
    )


# -- test_quantile_regression.py ---------------------------------------------------
class StackedQuantiles(RegressorMixin, BaseEstimator):
    """MAPIE's prefit list [lower, upper(, median)] as one multi-quantile model."""

    def __init__(self, models=None, quantiles=None):
        self.models = models
        self.quantiles = quantiles

    def __sklearn_is_fitted__(self):
        return True

    def fit(self, X, y):  # pragma: no cover - a prefit model is never refitted
        raise AssertionError("a prefit model must not be refitted")

    def predict(self, X):
        return np.column_stack([m.predict(X) for m in self.models])


def _prefit_quantile_models(alpha, X, y):
    levels = [alpha / 2, 1 - alpha / 2]
    models = [
        QuantileRegressor(quantile=q, solver="highs-ds", alpha=0.0).fit(X, y)
        for q in levels
    ]
    return StackedQuantiles(models, quantiles=levels)


# MAPIE's WIDTHS / COVERAGES of _MapieQuantileRegressor(method="quantile")
CQR_WIDTHS = {
    0.2: 2.7360884795455576,
    0.3: 2.185652142101473,
    0.4: 1.731718678152845,
    0.8: 0.66909752420949,
}
CQR_COVERAGES = {0.2: 0.834, 0.3: 0.738, 0.4: 0.646, 0.8: 0.264}


# test_linear_regression_results[quantile_alpha2|3|4|8] (models fitted on the
# training half, then conformalized on the calibration half: our prefit path)
@pytest.mark.parametrize("alpha", [0.2, 0.3, 0.4, 0.8])
def test_cqr_linear_regression_results(alpha):
    X_train, X_calib, y_train, y_calib = train_test_split(
        REG_X, REG_Y, test_size=0.5, random_state=1
    )
    model = _prefit_quantile_models(alpha, X_train, y_train)
    cqr = ConformalQuantileRegressor(model, coverage=1 - alpha)
    cqr.conformalize(X_calib, y_calib)
    width, coverage = _width_coverage(cqr.predict_interval(REG_X), REG_Y)
    np.testing.assert_allclose(width, CQR_WIDTHS[alpha], rtol=1e-2)
    np.testing.assert_allclose(coverage, CQR_COVERAGES[alpha], rtol=1e-2)


# test_correction_is_conformal_order_statistic[*-True] (symmetric correction;
# the asymmetric one, alpha / 2 per side, is not offered: not ported)
@pytest.mark.parametrize("n_calib, alpha", [(199, 0.1), (29, 0.1), (6, 0.3)])
def test_cqr_correction_is_conformal_order_statistic(n_calib, alpha):
    X_calib = np.zeros((n_calib, 1))
    y_calib = np.random.RandomState(1).normal(size=n_calib)
    zero = DummyRegressor(strategy="constant", constant=0.0).fit(X_calib, y_calib)
    model = StackedQuantiles([zero, zero], quantiles=[alpha / 2, 1 - alpha / 2])
    cqr = ConformalQuantileRegressor(model, coverage=1 - alpha)
    cqr.conformalize(X_calib, y_calib)
    k = int(np.ceil((1 - alpha) * (n_calib + 1)))
    up = np.sort(np.abs(y_calib))[k - 1]
    np.testing.assert_array_equal(cqr.predict_interval(X_calib[:1])[0], [-up, up])


# test_non_trained_estimator
def test_cqr_unfitted_prefit_model_is_refused():
    model = GradientBoostingRegressor(loss="quantile", alpha=0.9)
    with pytest.raises(NotFittedError):
        ConformalQuantileRegressor(model).conformalize(REG_X[:50], REG_Y[:50])


# test_for_small_dataset
def test_cqr_small_calibration_set():
    # documented difference: MAPIE raises "Number of samples of the score is
    # too low"; two calibration points at coverage 0.9 give the exact
    # conformal answer (-inf, inf) with a CalibrationSizeWarning
    X_train, X_calib, y_train, y_calib = train_test_split(
        REG_X, REG_Y, test_size=0.5, random_state=1
    )
    model = _prefit_quantile_models(0.1, X_train, y_train)
    cqr = ConformalQuantileRegressor(model, coverage=0.9)
    cqr.conformalize(X_calib[:2], y_calib[:2])
    with pytest.warns(CalibrationSizeWarning):
        bounds = cqr.predict_interval(X_calib[:3])
    np.testing.assert_array_equal(bounds, np.tile([-np.inf, np.inf], (3, 1)))


# -- test_non_regression.py --------------------------------------------------------
def _non_regression_classification():
    X, y = make_classification(
        n_samples=1000, n_informative=5, n_classes=4, random_state=1
    )
    sample_weight = np.random.RandomState(1).random(len(X))
    train, conf = next(ShuffleSplit(n_splits=1, random_state=1).split(X))
    return X, y, sample_weight, train, conf


# test_split[params0|params2|params3|params4]: shapes, and predict_set's
# point predictions equal predict (params1's "top_k" score is not offered)
@pytest.mark.parametrize(
    "case",
    ["lac", "aps_sample_weight_two_levels", "raps", "raps_tuned"],
)
def test_non_regression_split_classification(case):
    X, y, sample_weight, train, conf = _non_regression_classification()
    if case == "aps_sample_weight_two_levels":
        model = RandomForestClassifier(random_state=1, n_estimators=20)
        model.fit(X[train], y[train], sample_weight=sample_weight[train])
        # MAPIE's include_last_label=False drops the label that crosses the
        # threshold; ours is the randomised APS (exact coverage): same
        # shapes, other sets. 20 trees instead of 100 (shapes only)
        clf = ConformalClassifier(model, score="aps", random_state=1)
        coverage = [0.8, 0.9]
    else:
        model = LogisticRegression().fit(X[train], y[train])
        kw = {"score": case[:4].rstrip("_")}
        if case == "raps_tuned":  # MAPIE's RAPSConformityScore(size_raps=0.4)
            kw.update(k_reg="auto", penalty="auto", tuning_size=0.4)
        clf = ConformalClassifier(model, random_state=1, **kw)
        coverage = 0.9
    clf.conformalize(X[conf], y[conf])
    sets = clf.predict_set(X[conf], coverage=coverage)
    n_levels = len(coverage) if np.ndim(coverage) else None
    want = (len(conf), 4) if n_levels is None else (len(conf), 4, n_levels)
    assert sets.shape == want
    np.testing.assert_array_equal(clf.predict(X[conf]), model.predict(X[conf]))


# test_split_and_quantile[params0 (absolute, sample_weight) | quantile params1
# (three prefit gradient-boosting models)]: shapes, predict equals the centre
@pytest.mark.parametrize("case", ["absolute_sample_weight", "cqr_gbr_prefit"])
def test_non_regression_split_regression(case):
    X, y_signed = make_regression(
        n_samples=200, n_features=10, noise=1.0, random_state=1
    )
    y = np.abs(y_signed)
    test_size = 0.4 if case == "absolute_sample_weight" else 0.2
    train, conf = next(
        ShuffleSplit(n_splits=1, test_size=test_size, random_state=1).split(X)
    )
    # MAPIE's gradient boosting has 100 trees; 20 here (shapes only)
    if case == "absolute_sample_weight":
        sample_weight = np.random.RandomState(1).random(len(X))
        model = LinearRegression().fit(
            X[train], y[train], sample_weight=sample_weight[train]
        )
        reg = ConformalRegressor(model, coverage=0.8).conformalize(X[conf], y[conf])
        np.testing.assert_array_equal(reg.predict(X[conf]), model.predict(X[conf]))
    else:
        models = [
            GradientBoostingRegressor(
                loss="quantile", alpha=q, n_estimators=20, max_depth=3
            ).fit(X[train], y[train])
            for q in (0.05, 0.95)
        ]
        model = StackedQuantiles(models, quantiles=[0.05, 0.95])
        reg = ConformalQuantileRegressor(model, coverage=0.9)
        reg.conformalize(X[conf], y[conf])
        lo, hi = model.predict(X[conf]).T
        np.testing.assert_allclose(reg.predict(X[conf]), (lo + hi) / 2)
    assert reg.predict_interval(X[conf]).shape == (len(conf), 2)
    assert reg.predict_interval(X[conf], coverage=[0.5, 0.8]).shape == (
        len(conf),
        2,
        2,
    )


# test_toy_dataset_predictions[lac]: MAPIE's LAC sets take a label when its
# score is at most the threshold plus 1e-8 (mapie._machine_precision.EPSILON);
# ours are exact (documented in the user guide). The toy sets agree because
# no toy score lies that close; here one does
class KnownProbaPredict(KnownProba):
    """KnownProba with the ``predict`` MAPIE's fitted-model check calls."""

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def test_lac_tolerance_difference():
    est = KnownProbaPredict().fit(np.zeros((2, 2)), [0, 1])
    # 9 calibration scores 1 - p_y = 0.1, ..., 0.9: the threshold at coverage
    # 0.5 is the ceil(0.5 * 10) = 5th smallest, 0.5
    p_true = 1.0 - np.arange(1, 10) / 10
    y_cal = np.arange(9) % 2
    X_cal = np.column_stack([1.0 - p_true, p_true])
    X_cal[y_cal == 0] = X_cal[y_cal == 0, ::-1]  # p of the true label: p_true
    clf = ConformalClassifier(est, score="lac").conformalize(X_cal, y_cal)
    X_test = np.array([[0.5 - 5e-9, 0.5 + 5e-9]])  # scores 0.5 + 5e-9 and 0.5 - 5e-9
    np.testing.assert_array_equal(
        clf.predict_set(X_test, coverage=0.5), [[False, True]]
    )
    classification = pytest.importorskip("mapie.classification")
    peer = classification.SplitConformalClassifier(
        est, confidence_level=0.5, conformity_score="lac", prefit=True
    ).conformalize(X_cal, y_cal)
    np.testing.assert_array_equal(peer.predict_set(X_test)[1][:, :, 0], [[True, True]])


# -- test_metrics.py (size-stratified coverage) -------------------------------
SSC_Y_TOY = np.array([5, 7.5, 9.5, 10.5, 12.5])
SSC_INTERVALS = np.array(  # (n, 2, n_levels), MAPIE's layout
    [
        [[4, 4], [6, 7.5]],
        [[6.0, 8], [9.0, 10]],
        [[9, 9], [10.0, 10.0]],
        [[8.5, 9], [12.5, 12]],
        [[10.5, 10.5], [12.0, 12]],
    ]
)
SSC_Y_CLASS = np.array([3, 3, 1, 2, 2])
SSC_SETS = np.array(  # (n, n_classes, n_levels)
    [
        [[False, False], [False, True], [False, True], [False, False]],
        [[False, False], [True, True], [True, True], [True, True]],
        [[False, False], [True, False], [True, False], [False, False]],
        [[True, False], [True, False], [True, True], [True, False]],
        [[False, False], [True, True], [False, True], [True, True]],
    ]
)
# MAPIE's SSC_REG_COVERAGES and SSC_CLASSIF_COVERAGES, one row per level
SSC_REG_COVERAGES = {
    2: np.array([[2 / 3, 1.0], [1 / 3, 1.0]]),
    3: np.array([[0.5, 1.0, 1.0], [0.5, 0.5, 1.0]]),
}
SSC_CLASSIF_COVERAGES = {
    2: np.array([[1 / 3, 1.0], [1 / 3, 1.0]]),
    3: np.array([[0.0, 2 / 3, 1.0], [0.5, 2 / 3, np.nan]]),
    None: np.array([[0.0, np.nan, 0.5, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0, np.nan]]),
}


# test_regression_ssc_coverage_values, test_regression_ssc_score_coverage_values,
# test_regression_ssc_return_shape (each level on its own: our function takes
# one level's intervals)
@pytest.mark.parametrize("bins", [2, 3])
@pytest.mark.parametrize("level", [0, 1])
def test_regression_ssc_coverage_values(bins, level):
    res = size_stratified_coverage(SSC_Y_TOY, SSC_INTERVALS[:, :, level], bins=bins)
    want = SSC_REG_COVERAGES[bins][level]
    assert res.coverage.shape == want.shape
    np.testing.assert_allclose(res.coverage, want)
    np.testing.assert_allclose(res.coverage.min(), want.min())  # the ssc score


# test_classification_ssc_coverage_values, test_classification_ssc_score_coverage_values
@pytest.mark.parametrize("bins", [2, 3, None])
@pytest.mark.parametrize("level", [0, 1])
def test_classification_ssc_coverage_values(bins, level):
    res = size_stratified_coverage(
        SSC_Y_CLASS, SSC_SETS[:, :, level], bins=bins, classes=[0, 1, 2, 3]
    )
    want = SSC_CLASSIF_COVERAGES[bins][level]
    # documented difference: MAPIE reports an empty stratum as NaN (with a
    # RuntimeWarning); ours leaves it out (groups names the strata kept)
    np.testing.assert_allclose(res.coverage, want[~np.isnan(want)])
    kept = np.flatnonzero(~np.isnan(want))
    np.testing.assert_array_equal(res.groups, kept)
    np.testing.assert_allclose(res.coverage.min(), np.nanmin(want))


# test_invalid_splits_regression_ssc, test_valid_splits_regression_ssc
@pytest.mark.parametrize("bins", [10, 0, -1, 5, 1, 2, 3])
def test_regression_ssc_bins(bins):
    intervals = SSC_INTERVALS[:, :, 0]
    if bins in (10, 0, -1):
        with pytest.raises(ValueError, match="bins"):
            size_stratified_coverage(SSC_Y_TOY, intervals, bins=bins)
        return
    # documented difference: MAPIE refuses 5 bins for 5 rows; ours allows
    # one row per stratum (at most n_samples strata)
    res = size_stratified_coverage(SSC_Y_TOY, intervals, bins=bins)
    assert res.coverage.shape == (bins,)


# test_invalid_splits_classification_ssc, test_valid_splits_classification_ssc
@pytest.mark.parametrize("bins", [0, -1, 10, 4, 3, 2, None])
def test_classification_ssc_bins(bins):
    sets = SSC_SETS[:, :, 0]
    if bins in (0, -1):
        with pytest.raises(ValueError, match="bins"):
            size_stratified_coverage(SSC_Y_CLASS, sets, bins=bins)
        return
    # documented difference: MAPIE refuses 10 and 4 bins for set sizes
    # 0..4; ours splits the sizes as np.array_split(range(5), bins) does and
    # leaves the empty ranges out
    res = size_stratified_coverage(SSC_Y_CLASS, sets, bins=bins)
    assert 1 <= res.coverage.size <= 5
    # whatever the strata, they hold every row: 3 of the 5 sets cover
    np.testing.assert_array_equal(res.counts.sum(), 5)
    np.testing.assert_allclose((res.coverage * res.counts).sum() / 5, 3 / 5)


# -- test_conditional_metrics.py (coverage gap) --------------------------------
def _coverage_gap(y, groups, target, y_pred, weighted):
    """MAPIE's coverage_gap from our coverage_by_group: the mean (or
    size-weighted) absolute gap between each group's coverage and the target."""
    res = coverage_by_group(y, y_pred, groups)
    gaps = np.abs(res.coverage - target)
    if weighted:
        return float((gaps * res.counts).sum() / res.counts.sum())
    return float(gaps.mean())


# test_coverage_gap_with_intervals (MAPIE's 3 cases)
@pytest.mark.parametrize(
    "y, groups, target, intervals, weighted, expected_gap",
    [
        (
            [0.0, 1.0, 2.0, 3.0],
            [0, 0, 1, 1],
            0.75,
            [[0.0, 1.0], [0.0, 2.0], [1.0, 2.0], [4.0, 5.0]],
            False,
            0.25,
        ),
        (
            [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            [0, 0, 0, 1, 1, 2],
            2 / 3,
            [[-1.0, 0.0], [0.0, 0.5], [2.0, 2.0], [3.1, 4.0], [4.0, 5.0], [5.0, 5.0]],
            False,
            1 / 6,
        ),
        (
            [-1.0, 0.0, 1.0, 2.0, 3.0, 4.0],
            [0, 0, 1, 1, 1, 1],
            0.5,
            [[-2.0, -1.0], [-0.5, 0.5], [1.5, 2.5], [2.0, 2.0], [4.0, 5.0], [3.5, 4.5]],
            True,
            1 / 6,
        ),
    ],
)
def test_coverage_gap_with_intervals(
    y, groups, target, intervals, weighted, expected_gap
):
    gap = _coverage_gap(np.array(y), groups, target, np.array(intervals), weighted)
    np.testing.assert_allclose(gap, expected_gap)


# test_coverage_gap_with_sets (MAPIE's 3 cases)
@pytest.mark.parametrize(
    "y, groups, target, sets, weighted, expected_gap",
    [
        (
            [0, 1, 0, 1],
            [0, 0, 1, 1],
            0.75,
            [[1, 0], [0, 1], [1, 0], [0, 0]],
            False,
            0.25,
        ),
        (
            [0, 1, 2, 2, 3, 1],
            [0, 0, 0, 1, 1, 2],
            2 / 3,
            [
                [1, 0, 0, 0],
                [1, 0, 0, 0],
                [0, 0, 1, 1],
                [0, 0, 0, 1],
                [0, 0, 0, 1],
                [0, 1, 1, 0],
            ],
            False,
            1 / 6,
        ),
        (
            [0, 1, 2, 2, 3, 1],
            [0, 0, 1, 1, 1, 1],
            0.5,
            [
                [1, 0, 0, 0],
                [1, 0, 0, 0],
                [0, 0, 0, 1],
                [0, 0, 1, 1],
                [0, 0, 1, 1],
                [0, 1, 1, 0],
            ],
            True,
            1 / 6,
        ),
    ],
)
def test_coverage_gap_with_sets(y, groups, target, sets, weighted, expected_gap):
    sets = np.array(sets, dtype=bool)
    gap = _coverage_gap(np.array(y), groups, target, sets, weighted)
    np.testing.assert_allclose(gap, expected_gap)


# -- test_calibration.py (VennAbersCalibrator) ---------------------------------
VA_RS = 42
VA_XB, VA_YB = make_classification(
    n_samples=1000, n_features=20, n_classes=2, n_informative=10, random_state=VA_RS
)
VA_XB_TRAIN, VA_XB_TEST, VA_YB_TRAIN, VA_YB_TEST = train_test_split(
    VA_XB, VA_YB, test_size=0.2, random_state=VA_RS
)
VA_XM, VA_YM = make_classification(
    n_samples=1000, n_features=20, n_classes=3, n_informative=10, random_state=VA_RS
)
VA_XM_TRAIN, VA_XM_TEST, VA_YM_TRAIN, VA_YM_TEST = train_test_split(
    VA_XM, VA_YM, test_size=0.2, random_state=VA_RS
)


def _check_va_proba(probs, n, n_classes):
    assert probs.shape == (n, n_classes)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.all((probs >= 0) & (probs <= 1))


def _mapie_va(**kw):
    calibration = pytest.importorskip("mapie.calibration")
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return calibration.VennAbersCalibrator(**kw)


# test_va_mode_functionality (inductive / cross_val, binary / multiclass)
@pytest.mark.parametrize("method", ["inductive", "cross"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_va_mode_functionality(method, n_classes):
    if n_classes == 2:
        X_train, y_train, X_test = VA_XB_TRAIN, VA_YB_TRAIN, VA_XB_TEST
    else:
        X_train, y_train, X_test = VA_XM_TRAIN, VA_YM_TRAIN, VA_XM_TEST
    va = VennAbersClassifier(GaussianNB(), method=method, cv=3, random_state=VA_RS)
    va.fit(X_train, y_train)
    probs = va.predict_proba(X_test)
    _check_va_proba(probs, len(X_test), n_classes)
    assert va.predict(X_test).shape == (len(X_test),)
    # MAPIE's n_classes_ is our classes_.size
    assert va.classes_.size == n_classes
    if method == "cross":  # MAPIE's n_splits=3 folds: MAPIE's numbers
        peer = _mapie_va(
            estimator=GaussianNB(), inductive=False, n_splits=3, random_state=VA_RS
        )
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = peer.fit(X_train, y_train).predict_proba(X_test)
        np.testing.assert_allclose(probs, want, atol=1e-12)


# test_va_prefit_mode (binary, multiclass)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_va_prefit_mode(n_classes):
    if n_classes == 2:
        X_train, y_train, X_test = VA_XB_TRAIN, VA_YB_TRAIN, VA_XB_TEST
    else:
        X_train, y_train, X_test = VA_XM_TRAIN, VA_YM_TRAIN, VA_XM_TEST
    X_proper, X_cal, y_proper, y_cal = train_test_split(
        X_train, y_train, test_size=0.3, random_state=VA_RS
    )
    clf = GaussianNB().fit(X_proper, y_proper)
    va = VennAbersClassifier(clf).conformalize(X_cal, y_cal)
    _check_va_proba(va.predict_proba(X_test), len(X_test), n_classes)
    # MAPIE's single_estimator_: the prefit model, used as it is
    assert va.estimators_[0][0] is clf


# test_va_different_estimators
@pytest.mark.parametrize(
    "estimator",
    [
        LogisticRegression(random_state=VA_RS),
        RandomForestClassifier(n_estimators=10, random_state=VA_RS),
        GaussianNB(),
    ],
)
def test_va_different_estimators(estimator):
    va = VennAbersClassifier(estimator, random_state=VA_RS)
    va.fit(VA_XB_TRAIN, VA_YB_TRAIN)
    _check_va_proba(va.predict_proba(VA_XB_TEST), len(VA_XB_TEST), 2)


# test_va_estimator_none_raises_error
def test_va_estimator_none_is_logistic_regression():
    # documented difference: MAPIE requires an estimator; ours defaults to
    # LogisticRegression, as every estimator of the family
    va = VennAbersClassifier(random_state=VA_RS).fit(VA_XB_TRAIN, VA_YB_TRAIN)
    assert isinstance(va.estimators_[0][0], LogisticRegression)


# test_va_sample_weights_constant, test_va_sample_weights_variable,
# test_va_venn_abers_cv_with_sample_weight (metadata routing, as MAPIE's)
def test_va_sample_weights():
    n = len(VA_YB_TRAIN)
    with sklearn.config_context(enable_metadata_routing=True):
        nb = GaussianNB().set_fit_request(sample_weight=True)
        none = VennAbersClassifier(nb, random_state=VA_RS).fit(VA_XB_TRAIN, VA_YB_TRAIN)
        ones = VennAbersClassifier(nb, random_state=VA_RS).fit(
            VA_XB_TRAIN, VA_YB_TRAIN, sample_weight=np.ones(n)
        )
        np.testing.assert_allclose(
            none.predict_proba(VA_XB_TEST),
            ones.predict_proba(VA_XB_TEST),
            rtol=1e-2,
            atol=1e-2,
        )
        forest = RandomForestClassifier(n_estimators=10, random_state=VA_RS)
        uniform = VennAbersClassifier(forest, random_state=VA_RS)
        uniform.fit(VA_XB_TRAIN, VA_YB_TRAIN)
        weights = np.random.RandomState(VA_RS).uniform(0.1, 2.0, size=n)
        weighted = VennAbersClassifier(
            clone(forest).set_fit_request(sample_weight=True), random_state=VA_RS
        ).fit(VA_XB_TRAIN, VA_YB_TRAIN, sample_weight=weights)
        assert not np.allclose(
            uniform.predict_proba(VA_XB_TEST), weighted.predict_proba(VA_XB_TEST)
        )
        halves = np.ones(n)
        halves[: n // 2] = 2.0
        cross = VennAbersClassifier(nb, method="cross", cv=3, random_state=VA_RS)
        cross.fit(VA_XB_TRAIN, VA_YB_TRAIN, sample_weight=halves)
        _check_va_proba(cross.predict_proba(VA_XB_TEST), len(VA_XB_TEST), 2)


# test_va_random_state_reproducibility
def test_va_random_state_reproducibility():
    one = VennAbersClassifier(GaussianNB(), random_state=VA_RS)
    two = VennAbersClassifier(GaussianNB(), random_state=VA_RS)
    np.testing.assert_array_equal(
        one.fit(VA_XB_TRAIN, VA_YB_TRAIN).predict_proba(VA_XB_TEST),
        two.fit(VA_XB_TRAIN, VA_YB_TRAIN).predict_proba(VA_XB_TEST),
    )


# test_va_different_calibration_sizes, test_va_different_n_splits,
# test_va_fit_parameters_override (our split parameters are constructor
# parameters: calibration_size, stratify, random_state)
@pytest.mark.parametrize(
    "params",
    [{"calibration_size": c} for c in (0.2, 0.3, 0.5, 0.4)]
    + [{"method": "cross", "cv": k} for k in (2, 3, 5)]
    + [{"random_state": 123}, {"stratify": False}],
)
def test_va_split_parameters(params):
    params = {"random_state": VA_RS, **params}
    va = VennAbersClassifier(GaussianNB(), **params).fit(VA_XB_TRAIN, VA_YB_TRAIN)
    _check_va_proba(va.predict_proba(VA_XB_TEST), len(VA_XB_TEST), 2)


# test_va_n_splits_too_small_raises_error, test_va_invalid_cal_size_raises_error
@pytest.mark.parametrize(
    "params",
    [
        {"method": "cross", "cv": 1},
        {"calibration_size": 1.5},
        {"calibration_size": -0.1},
    ],
)
def test_va_invalid_split_parameters(params):
    va = VennAbersClassifier(GaussianNB(), random_state=VA_RS, **params)
    with pytest.raises(ValueError):
        va.fit(VA_XB_TRAIN, VA_YB_TRAIN)


# test_va_pipeline_compatibility
def test_va_pipeline_compatibility():
    X_df = pd.DataFrame(
        {
            "x_cat": ["A", "A", "B", "A", "A", "B"] * 10,
            "x_num": [0, 1, 1, 4, np.nan, 5] * 10,
        }
    )
    y_series = pd.Series([0, 1, 0, 1, 0, 1] * 10)
    preprocessor = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["x_cat"]),
            ("num", SimpleImputer(strategy="mean"), ["x_num"]),
        ]
    )
    pipe = make_pipeline(preprocessor, LogisticRegression(random_state=VA_RS))
    va = VennAbersClassifier(pipe, random_state=VA_RS).fit(X_df, y_series)
    assert va.predict_proba(X_df).shape == (len(y_series), 2)


# test_va_different_input_types
@pytest.mark.parametrize(
    "X_type, y_type",
    [(pd.DataFrame, pd.Series), (np.ndarray, np.ndarray), (pd.DataFrame, np.ndarray)],
)
def test_va_different_input_types(X_type, y_type):
    X_train = pd.DataFrame(VA_XB_TRAIN) if X_type is pd.DataFrame else VA_XB_TRAIN
    y_train = pd.Series(VA_YB_TRAIN) if y_type is pd.Series else VA_YB_TRAIN
    X_test = pd.DataFrame(VA_XB_TEST) if X_type is pd.DataFrame else VA_XB_TEST
    va = VennAbersClassifier(GaussianNB(), random_state=VA_RS).fit(X_train, y_train)
    assert va.predict_proba(X_test).shape == (len(X_test), 2)


# test_va_invalid_inputs_raise_error, test_va_predict_before_fit_raises_error
@pytest.mark.parametrize(
    "X, y",
    [
        (np.array([]).reshape(0, 20), np.array([])),
        (np.zeros((10, 20)), np.zeros(10)),
        (VA_XB_TRAIN[:50], VA_YB_TRAIN[:40]),
    ],
)
def test_va_invalid_inputs(X, y):
    va = VennAbersClassifier(GaussianNB(), random_state=VA_RS)
    with pytest.raises(ValueError):
        va.fit(X, y)


def test_va_predict_before_fit():
    with pytest.raises(NotFittedError):
        VennAbersClassifier(GaussianNB()).predict(VA_XB_TEST)

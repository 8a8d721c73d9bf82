"""MAPIE 1.6's own test suite, ported to our estimators.

Sources (the test files shipped in the installed ``mapie`` 1.6.0 package,
``mapie/tests/``): ``risk_control/test_multi_label_classification_control.py``,
``risk_control/test_binary_classification_control.py``,
``risk_control/test_risk_control.py``, ``test_time_series_regression.py``,
``test_regression.py`` and ``test_classification.py``. Each port keeps MAPIE's
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
from scipy.stats import binom
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skvariance.calibration import RiskController, RiskControlWarning

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
    [-1.0, 0, 1, 4, -3, np.arange(0, 1, 0.01), (0.1, 0.2), [0.4, 0.5]],
)
def test_confidence_level_wrong_value_or_type(confidence_level):
    X, y = make_classification(n_samples=60, random_state=0)
    est = LogisticRegression().fit(X, y)
    rc = RiskController(
        est, risk="precision", method="ltt", confidence_level=confidence_level
    )
    with pytest.raises(ValueError, match="confidence_level"):
        rc.conformalize(X, y)


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

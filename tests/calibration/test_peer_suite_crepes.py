"""crepes' own test suite, ported to our conformal estimators.

The peer's tests (henrikbostrom/crepes, ``tests/test_core_predictors_consolidated.py``,
``tests/test_wrappers_integration_consolidated.py`` and
``tests/test_extras_consolidated.py``, commit 9b2ea92) fit crepes' low-level
predictors on raw non-conformity scores. Each port keeps the peer's data and
assertions and feeds them to OUR estimators through thin prefit models that
turn the peer's numbers into our inputs:

- ``ColumnRegressor``: ``predict(X) = X[:, 0]`` and ``std = X[:, 1]``, so a
  calibration row ``([0, sigma], r)`` has residual ``r`` and scale ``sigma``
  and a test row ``[y_hat, sigma]`` has prediction ``y_hat``;
- ``KnownProba``: ``predict_proba(X) = X``, so a LAC score ``1 - p`` (crepes'
  ``hinge``) is any number we like.

On top of the peer's own (mostly shape and range) assertions, every port
checks our numbers against crepes 0.9.1 on the same inputs, where the method
is the same. Where our documented behaviour differs (no ``y_min``/``y_max``
clipping, an unseen Mondrian group is an error, quantiles do not need a
``cps=True`` flag...) the port asserts ours and says why.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skvariance.calibration import (
    CalibrationSizeWarning,
    ConformalClassifier,
    ConformalRegressor,
)

from ._helpers import KnownProba


class ColumnRegressor(RegressorMixin, BaseEstimator):
    """Prefit adapter: prediction ``X[:, 0]``, standard deviation ``X[:, 1]``."""

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X, return_std=False):
        X = np.asarray(X, dtype=np.float64)
        if return_std:
            return X[:, 0], X[:, 1]
        return X[:, 0]


class ConstantProba(ClassifierMixin, BaseEstimator):
    """crepes' ``DummyLearner``: the same probabilities for every row."""

    def __init__(self, proba=(0.7, 0.3)):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        return np.tile(np.asarray(self.proba, dtype=float), (len(X), 1))


def _crepes():
    return pytest.importorskip("crepes")


def _regressor(residuals, sigmas=None, groups=None, **kw):
    """Our split regressor calibrated on exactly the peer's residuals."""
    residuals = np.asarray(residuals, dtype=float)
    n = residuals.size
    X_cal = np.column_stack([np.zeros(n), np.ones(n) if sigmas is None else sigmas])
    est = ColumnRegressor().fit(X_cal, residuals)
    score = "absolute" if sigmas is None else "normalized"
    reg = ConformalRegressor(est, score=score, **kw)
    return reg.conformalize(X_cal, residuals, groups=groups)


def _test_rows(y_hat, sigmas=None):
    y_hat = np.asarray(y_hat, dtype=float)
    return np.column_stack([y_hat, np.ones_like(y_hat) if sigmas is None else sigmas])


def _classifier(alphas_cal, n_classes, groups=None, **kw):
    """Our split LAC classifier whose calibration scores are ``alphas_cal``.

    Calibration row i has label 0 with probability ``1 - alphas_cal[i]``, so
    its LAC score ``1 - p_y`` is ``alphas_cal[i]``.
    """
    alphas_cal = np.asarray(alphas_cal, dtype=float)
    n = alphas_cal.size
    X_cal = np.full((n, n_classes), 0.5)
    X_cal[:, 0] = 1.0 - alphas_cal
    y_cal = np.zeros(n, dtype=int)
    est = KnownProba().fit(np.zeros((n_classes, n_classes)), np.arange(n_classes))
    clf = ConformalClassifier(est, score="lac", **kw)
    return clf.conformalize(X_cal, y_cal, groups=groups)


def _smoothed_within_bounds(p_smooth, p_conservative, n):
    """A smoothed p-value lies between the strict count and the conservative one."""
    low = p_conservative - 1.0 / (n + 1)
    assert np.all(p_smooth <= p_conservative + 1e-12)
    assert np.all(p_smooth >= low - 1e-12)


# -- tests/test_core_predictors_consolidated.py -------------------------------
# test_conformal_classifier_predict_paths_and_smoothing
def test_conformal_classifier_predict_paths_and_smoothing():
    alphas_cal = np.array([0.2, 0.5, 0.7])
    alphas_test = np.array([[0.1, 0.4, 0.6], [0.3, 0.5, 0.9]])
    clf = _classifier(alphas_cal, 3, random_state=42)
    X_test = 1.0 - alphas_test
    p_sm = clf.predict_pvalue(X_test, smoothing=True)
    assert p_sm.shape == alphas_test.shape
    p_ns = clf.predict_pvalue(X_test, smoothing=False)
    assert p_ns.shape == alphas_test.shape
    # p = (#{alpha_i >= alpha} + 1) / (n + 1), by hand
    want = ((alphas_cal[None, None, :] >= alphas_test[:, :, None]).sum(-1) + 1) / 4
    np.testing.assert_array_equal(p_ns, want)
    _smoothed_within_bounds(p_sm, p_ns, 3)
    # documented difference: crepes smooths by default (smoothing=True); our
    # classifier's predict_pvalue defaults to the conservative p-value
    np.testing.assert_array_equal(clf.predict_pvalue(X_test), p_ns)
    # crepes' ps.shape == alphas_test.shape at confidence 0.999: with 3
    # calibration scores every label is in every set (crepes: all p-values
    # exceed 0.001); we say so with a CalibrationSizeWarning
    with pytest.warns(CalibrationSizeWarning):
        ps = clf.predict_set(X_test, coverage=0.999)
    assert ps.shape == alphas_test.shape and ps.all()


def test_conformal_classifier_pvalues_equal_crepes():
    # the numbers behind the previous port: crepes' own predict_p, unsmoothed
    crepes = _crepes()
    alphas_cal = np.array([0.2, 0.5, 0.7])
    alphas_test = np.array([[0.1, 0.4, 0.6], [0.3, 0.5, 0.9]])
    peer = crepes.ConformalClassifier().fit(alphas_cal)
    clf = _classifier(alphas_cal, 3)
    np.testing.assert_array_equal(
        clf.predict_pvalue(1.0 - alphas_test, smoothing=False),
        peer.predict_p(alphas_test, smoothing=False),
    )


# test_conformal_regressor_predict_and_evaluate_and_crps (both versions: the
# 9b2ea92 one asks predict's (3, 2) intervals, the e9fb4a4 one predict_p)
def test_conformal_regressor_predict_and_pvalues():
    crepes = _crepes()
    residuals = np.array([0.5, -0.2, 1.0])
    sigmas = np.array([1.0, 1.0, 1.0])
    y_hat = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 2.0, 3.0])
    reg = _regressor(residuals)
    # 3 calibration points cannot give a finite 90% interval: (-inf, inf) as
    # crepes, which warns too; our warning is a CalibrationSizeWarning
    with pytest.warns(CalibrationSizeWarning):
        intervals = reg.predict_interval(_test_rows(y_hat), coverage=0.9)
    assert intervals.shape == (3, 2)
    peer = crepes.ConformalRegressor().fit(residuals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(
            intervals, peer.predict_int(y_hat, confidence=0.9)
        )
    # a finite level: the k-th smallest |residual|, k = ceil(0.5 * 4) = 2
    np.testing.assert_array_equal(
        reg.predict_interval(_test_rows(y_hat), coverage=0.5),
        np.column_stack([y_hat - 0.5, y_hat + 0.5]),
    )
    p = reg.predict_pvalue(_test_rows(y_hat), y, smoothing=False)
    assert p.shape[0] == 3
    np.testing.assert_array_equal(p, peer.predict_p(y_hat, y, smoothing=False))
    # normalized (sigmas): the same numbers through score="normalized"
    reg2 = _regressor(residuals, sigmas=sigmas)
    peer2 = crepes.ConformalRegressor().fit(residuals, sigmas=sigmas)
    p2 = reg2.predict_pvalue(_test_rows(y_hat, sigmas), y, smoothing=False)
    assert p2.shape[0] == 3
    np.testing.assert_array_equal(
        p2, peer2.predict_p(y_hat, y, sigmas=sigmas, smoothing=False)
    )
    u = np.random.RandomState(0).rand(3)
    np.testing.assert_allclose(
        reg2.predict_pvalue(_test_rows(y_hat, sigmas), y, uniforms=u),
        peer2.predict_p(y_hat, y, sigmas=sigmas, seed=0),
        rtol=1e-15,
    )


# test_cps_return_cpds_and_percentiles_and_warnings
def test_cps_return_cpds_and_percentiles_and_warnings():
    crepes = _crepes()
    residuals = np.array([-1.0, 0.0, 1.0])
    y_hat = np.array([0.0, 0.1])
    reg = _regressor(residuals)
    # crepes' cpds (n_test, n_cal): the distribution's jump points, which are
    # our predictive quantiles at levels k / (n + 1)
    cpds = reg.predict_quantiles(_test_rows(y_hat), [0.25, 0.5, 0.75])
    assert isinstance(cpds, np.ndarray)
    assert cpds.shape == (len(y_hat), len(residuals))
    peer = crepes.ConformalPredictiveSystem().fit(residuals)
    np.testing.assert_array_equal(cpds, peer.predict_cpds(y_hat))
    # one residual: the 99th percentile is unbounded. crepes warns "too
    # small" and clips it to y_max=5. Documented differences: we have no
    # y_min/y_max clipping and return the conformal answer, +inf, and
    # predict_quantiles documents "+inf when that rank exceeds n" without a
    # warning (predict_interval warns); pytest's filterwarnings=error checks
    # that none is issued
    reg2 = _regressor(np.array([0.0]))
    res = reg2.predict_quantiles(_test_rows([0.0]), [0.5, 0.99])
    assert hasattr(res, "__len__")
    np.testing.assert_array_equal(res, [[0.0, np.inf]])
    peer2 = crepes.ConformalPredictiveSystem().fit(np.array([0.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = peer2.predict_percentiles(np.array([0.0]), higher_percentiles=[50, 99])
    np.testing.assert_array_equal(res, want.reshape(1, -1))


# test_cps_predict_scalar_y_and_return_cpds
def test_cps_predict_scalar_y_and_return_cpds():
    crepes = _crepes()
    residuals = np.array([-1.0, 0.0, 1.0])
    sigmas = np.array([1.0, 1.0, 1.0])
    y_hat = np.array([0.0, 0.5])
    reg = _regressor(residuals, sigmas=sigmas)
    X_test = _test_rows(y_hat, sigmas[:2])
    res = reg.predict_cdf(X_test, 0.0, smoothing=False)  # scalar y
    cpds = reg.predict_quantiles(X_test, [0.25, 0.5, 0.75])
    assert hasattr(res, "__len__") and hasattr(cpds, "__len__")
    peer = crepes.ConformalPredictiveSystem().fit(residuals, sigmas=sigmas)
    want = peer.predict_p(y_hat, 0.0, sigmas=sigmas[:2], smoothing=False)
    np.testing.assert_array_equal(res, want)
    np.testing.assert_array_equal(cpds, peer.predict_cpds(y_hat, sigmas=sigmas[:2]))


# test_cps_predict_mondrian_y_array_cpds_by_bins_and_percentile_warnings
def test_cps_mondrian_y_array_cpds_by_bins_and_percentile_warnings():
    crepes = _crepes()
    residuals = np.array([0.0, 1.0, 2.0, 3.0])
    bins = np.array([0, 0, 1, 1])
    y_hat = np.array([0.0, 1.0])
    y = np.array([0.0, 1.0])
    test_bins = np.array([0, 1])
    reg = _regressor(residuals, groups=bins)
    X_test = _test_rows(y_hat)
    res = reg.predict_cdf(X_test, y, groups=test_bins, smoothing=False)
    assert hasattr(res, "__len__")
    peer = crepes.ConformalPredictiveSystem().fit(residuals, bins=bins)
    np.testing.assert_array_equal(
        res, peer.predict_p(y_hat, y, bins=test_bins, smoothing=False)
    )
    # cpds by bins: two calibration points per bin, levels 1/3 and 2/3
    cpds = reg.predict_quantiles(X_test, [1 / 3, 2 / 3], groups=test_bins)
    np.testing.assert_array_equal(cpds, y_hat[:, None] + [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(
        cpds, np.stack(peer.predict_cpds(y_hat, bins=test_bins))
    )
    # percentile 99 is too high for two points per bin: crepes warns, we
    # return +inf without a warning (documented in predict_quantiles)
    q = reg.predict_quantiles(X_test, [0.5, 0.99], groups=test_bins)
    assert np.isinf(q[:, 1]).all() and np.isfinite(q[:, 0]).all()


# test_conformal_regressor_mondrian_normalized_and_clipping
def test_conformal_regressor_mondrian_normalized_no_clipping():
    crepes = _crepes()
    residuals = np.array([0.1, 0.2])
    sigmas = np.array([1.0, 1.0])
    bins = np.array([0, 1])
    y_hat = np.array([0.0, 1.0])
    reg = _regressor(residuals, sigmas=sigmas, groups=bins)
    with pytest.warns(CalibrationSizeWarning):
        intervals = reg.predict_interval(
            _test_rows(y_hat, sigmas), coverage=0.999, groups=bins
        )
    assert intervals.shape == (2, 2)
    # crepes clips to [y_min, y_max] = [0, 1]; we do not clip (an interval
    # is not silently cut to a range): ours is the unclipped conformal
    # interval, crepes' with the default y_min=-inf, y_max=inf
    peer = crepes.ConformalRegressor().fit(residuals, sigmas=sigmas, bins=bins)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = peer.predict_int(y_hat, sigmas=sigmas, bins=bins, confidence=0.999)
        clipped = peer.predict_int(
            y_hat, sigmas=sigmas, bins=bins, confidence=0.999, y_min=0.0, y_max=1.0
        )
    np.testing.assert_array_equal(intervals, want)
    np.testing.assert_array_equal(np.clip(intervals, 0.0, 1.0), clipped)


# test_cps_evaluate_handles_empty_mondrian_bins_and_crps
def test_unseen_mondrian_group_is_an_error():
    # crepes evaluates a test bin (2) with no calibration point; we refuse a
    # group not seen at calibration (its interval would be unbounded by
    # construction) with a ValueError naming groups
    reg = _regressor(np.array([0.0, 1.0]), groups=np.array([0, 1]))
    with pytest.raises(ValueError, match="groups"):
        reg.predict_cdf(_test_rows([0.0, 1.0]), [0.0, 1.0], groups=np.array([0, 2]))


# test_conformal_classifier_and_cps_legacy_checks
def test_conformal_classifier_legacy_checks():
    crepes = _crepes()
    alphas_cal = np.array([0.2, 0.5, 0.7])
    alphas_test = np.array([[0.1, 0.6]])
    clf = _classifier(alphas_cal, 2, random_state=123)
    p_ns = clf.predict_pvalue(1.0 - alphas_test, smoothing=False)
    assert p_ns.shape == (1, 2)
    peer = crepes.ConformalClassifier().fit(alphas_cal)
    np.testing.assert_array_equal(p_ns, peer.predict_p(alphas_test, smoothing=False))
    bins_cal = np.array([0, 1, 1])
    clf2 = _classifier(alphas_cal, 2, groups=bins_cal, random_state=42)
    test = np.array([[0.1, 0.2]])
    p_m = clf2.predict_pvalue(1.0 - test, groups=np.array([0]), smoothing=False)
    assert p_m.shape == (1, 2)
    peer2 = crepes.ConformalClassifier().fit(alphas_cal, bins=bins_cal)
    np.testing.assert_array_equal(
        p_m, peer2.predict_p(test, bins=np.array([0]), smoothing=False)
    )


# test_conformal_regressor_clipping_and_warning
def test_conformal_regressor_single_residual_warning_no_clipping():
    reg = _regressor(np.array([0.1]))
    with pytest.warns(CalibrationSizeWarning):
        intervals = reg.predict_interval(_test_rows([0.0]), coverage=0.999)
    assert intervals.shape == (1, 2)
    # crepes clips (-inf, inf) to [y_min, y_max] = [-1, 1]; we do not clip
    np.testing.assert_array_equal(intervals, [[-np.inf, np.inf]])


# test_cps_percentiles_out_of_range_and_cpds_by_bins
def test_cps_percentiles_out_of_range_and_cpds_by_groups():
    reg = _regressor(np.array([0.0]))
    # crepes "should raise or warn" for percentile -10: we raise, naming it
    with pytest.raises(ValueError, match="quantiles"):
        reg.predict_quantiles(_test_rows([0.0]), [-0.1])
    residuals2 = np.array([0.0, 1.0, 2.0, 3.0])
    bins = np.array([0, 0, 1, 1])
    reg2 = _regressor(residuals2, groups=bins)
    cpds = reg2.predict_quantiles(_test_rows(np.zeros(4)), [1 / 3, 2 / 3], groups=bins)
    assert hasattr(cpds, "__len__")
    np.testing.assert_array_equal(cpds, [[0, 1], [0, 1], [2, 3], [2, 3]])


# -- tests/test_wrappers_integration_consolidated.py --------------------------
_X6 = np.array(
    [[0.1, 0.2], [0.2, 0.1], [0.8, 0.9], [0.9, 0.8], [0.15, 0.25], [0.85, 0.75]]
)
_Y6 = np.array(["a", "a", "b", "b", "a", "b"])


# test_wrapclassifier_flow_and_mondrian
def test_wrapclassifier_flow_and_mondrian():
    crepes = _crepes()
    X_prop, y_prop = _X6[:4], _Y6[:4]
    X_cal, y_cal = _X6[4:5], _Y6[4:5]
    X_test = _X6[5:6]
    learner = DecisionTreeClassifier(random_state=0).fit(X_prop, y_prop)
    clf = ConformalClassifier(learner, random_state=42).conformalize(X_cal, y_cal)
    pvals = clf.predict_pvalue(X_test, smoothing=False)
    assert pvals.shape[0] == X_test.shape[0]
    assert np.all((pvals >= 0) & (pvals <= 1))
    with pytest.warns(CalibrationSizeWarning):  # one calibration point
        sets = clf.predict_set(X_test, coverage=0.9)
    assert sets.shape == pvals.shape
    peer = crepes.WrapClassifier(DecisionTreeClassifier(random_state=0))
    peer.fit(X_prop, y_prop)
    peer.calibrate(X_cal, y_cal)
    np.testing.assert_array_equal(pvals, peer.predict_p(X_test, smoothing=False))
    # WrapClassifier.predict_set lists the labels of each set
    peer_sets = peer.predict_set(X_test, confidence=0.9, smoothing=False)
    assert [list(clf.classes_[row]) for row in sets] == [list(r) for r in peer_sets]

    def mc_fn(X):
        return np.array([0 if x[0] < 0.5 else 1 for x in X])

    learner2 = DecisionTreeClassifier(random_state=1).fit(X_prop, y_prop)
    X_cal2 = np.vstack([X_cal, X_test])
    y_cal2 = np.concatenate([y_cal, _Y6[5:6]])
    clf2 = ConformalClassifier(learner2, random_state=1)
    clf2.conformalize(X_cal2, y_cal2, groups=mc_fn(X_cal2))
    pv2 = clf2.predict_pvalue(X_test, groups=mc_fn(X_test), smoothing=False)
    assert pv2.shape == (X_test.shape[0], len(learner2.classes_))
    peer2 = crepes.WrapClassifier(DecisionTreeClassifier(random_state=1))
    peer2.fit(X_prop, y_prop)
    peer2.calibrate(X_cal2, y_cal2, mc=mc_fn)
    np.testing.assert_array_equal(pv2, peer2.predict_p(X_test, smoothing=False))


# test_wrapregressor_flow_and_cps
def test_wrapregressor_flow_and_cps():
    crepes = _crepes()
    X = np.linspace(0, 1, 8)[:, None]
    y = X.ravel() * 2.0 + 0.1
    X_prop, y_prop = X[:5], y[:5]
    X_cal, y_cal = X[5:6], y[5:6]
    X_test = X[6:8]
    learner = DecisionTreeRegressor(random_state=0).fit(X_prop, y_prop)
    reg = ConformalRegressor(learner).conformalize(X_cal, y_cal)
    with pytest.warns(CalibrationSizeWarning):  # one calibration point
        ints = reg.predict_interval(X_test, coverage=0.9)
    assert ints.shape == (X_test.shape[0], 2)
    peer = crepes.WrapRegressor(DecisionTreeRegressor(random_state=0))
    peer.fit(X_prop, y_prop)
    peer.calibrate(X_cal, y_cal, cps=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(ints, peer.predict_int(X_test, confidence=0.9))
        want = peer.predict_percentiles(X_test, higher_percentiles=[50, 97.5])
    # crepes' predict_cps(higher_percentiles=97.5): our predictive quantiles
    # (+inf at 97.5% from one point, without a warning, as documented)
    out = reg.predict_quantiles(X_test, [0.5, 0.975])
    assert out is not None
    np.testing.assert_array_equal(out, want)


# test_wrapclassifier_calibrate_class_cond_and_mc_function_from_legacy
def test_wrapclassifier_class_conditional_and_groups():
    crepes = _crepes()
    X = np.zeros((5, 2))
    X[:, 1] = np.arange(5)  # distinct rows (our draws are keyed by the row)
    y = np.array([0, 1, 0, 1, 0])
    learner = ConstantProba().fit(X, y)
    parity = np.arange(5) % 2
    clf = ConformalClassifier(learner).conformalize(X, y, groups=parity)
    assert clf.calibration_ is not None
    peer = crepes.WrapClassifier(ConstantProba().fit(X, y))
    peer.calibrate(X, y, mc=lambda Z: np.arange(len(Z)) % 2)
    np.testing.assert_array_equal(
        clf.predict_pvalue(X, groups=parity, smoothing=False),
        peer.predict_p(X, smoothing=False),
    )
    clf2 = ConformalClassifier(learner, class_conditional=True).conformalize(X, y)
    assert clf2.calibration_ is not None
    peer2 = crepes.WrapClassifier(ConstantProba().fit(X, y))
    peer2.calibrate(X, y, class_cond=True)
    np.testing.assert_array_equal(
        clf2.predict_pvalue(X, smoothing=False), peer2.predict_p(X, smoothing=False)
    )


# test_conformal_classifier_alpha_index_all_labels_and_warning
def test_conformal_classifier_all_labels_and_warning():
    clf = _classifier(np.array([0.1]), 2)
    with pytest.warns(CalibrationSizeWarning, match="every label"):
        ps = clf.predict_set(1.0 - np.array([[0.2, 0.3]]), coverage=0.999)
    assert ps.shape == (1, 2)
    assert ps[0].tolist() == [True, True]


# test_wrapregressor_predict_cps_requires_cps_flag
def test_predictive_quantiles_need_no_cps_flag():
    # crepes raises RuntimeError from predict_cps unless calibrate(cps=True);
    # our split calibration always keeps the signed residuals, so the
    # predictive distribution is available after any fit (documented):
    # assert it is crepes' cps=True answer
    crepes = _crepes()
    X = np.zeros((3, 1))
    y = np.zeros(3)
    reg = ConformalRegressor(ColumnRegressor().fit(X, y)).conformalize(X, y)
    got = reg.predict_quantiles(X, [0.5])
    peer = crepes.ConformalPredictiveSystem().fit(y - 0.0)
    np.testing.assert_array_equal(
        got[:, 0], peer.predict_percentiles(np.zeros(3), higher_percentiles=50)
    )


# -- tests/test_extras_consolidated.py -----------------------------------------
# test_hinge_and_margin_basic (the hinge half: crepes' hinge is our LAC score)
def test_hinge_is_the_lac_score():
    probs = np.array([[0.1, 0.9], [0.6, 0.4]])
    y = np.array([1, 0])
    est = KnownProba().fit(probs, y)
    clf = ConformalClassifier(est, score="lac").conformalize(probs, y)
    np.testing.assert_allclose(clf.conformity_scores_, [0.1, 0.4])

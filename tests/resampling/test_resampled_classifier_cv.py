"""ResampledClassifier(prior_correction="cv"): the cross-fitted logit correction."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit, logit
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import KFold

from skvariance.resampling import ResampledClassifier


def _balanced_weights(y, w):
    """Weights times (1 / K) / (class share of the weight): by hand."""
    classes = np.unique(y)
    mass = np.array([w[y == c].sum() for c in classes])
    factor = (1 / len(classes)) / (mass / mass.sum())
    return w * factor[np.searchsorted(classes, y)]


def _oof(X, y, w, splits):
    """Out-of-fold probabilities of a balanced-weight logistic regression."""
    oof = np.empty((len(y), len(np.unique(y))))
    for train, test in splits:
        model = LogisticRegression().fit(
            X[train], y[train], sample_weight=_balanced_weights(y[train], w[train])
        )
        oof[test] = model.predict_proba(X[test])
    return oof


def test_binary_cv_correction_is_platt_scaling_on_held_out_rows():
    X, y = make_classification(
        n_samples=700, n_features=5, weights=[0.9, 0.1], flip_y=0.05, random_state=0
    )
    X_new = X[600:]
    X, y = X[:600], y[:600]
    cv = KFold(4)
    clf = ResampledClassifier(
        LogisticRegression(), strategy="upweight", prior_correction="cv", cv=cv
    ).fit(X, y)
    # reference: Platt scaling (sklearn's unpenalized logistic regression on
    # the logit) of the out-of-fold probabilities of balanced fits
    oof = _oof(X, y, np.ones(len(y)), list(cv.split(X, y)))
    platt = LogisticRegression(C=np.inf, tol=1e-10).fit(logit(oof[:, [1]]), y)
    np.testing.assert_allclose(clf.calibration_coef_, platt.coef_[0, 0], rtol=1e-3)
    np.testing.assert_allclose(
        clf.calibration_intercept_, [0.0, platt.intercept_[0]], atol=1e-3
    )
    full = LogisticRegression().fit(
        X, y, sample_weight=_balanced_weights(y, np.ones(600))
    )
    expected = expit(platt.decision_function(logit(full.predict_proba(X_new)[:, [1]])))
    proba = clf.predict_proba(X_new)
    np.testing.assert_allclose(proba[:, 1], expected, atol=1e-4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X_new), (expected > 0.5).astype(int))
    # the analytic correction is a different map (slope 1)
    analytic = clf.set_params(prior_correction=True).predict_proba(X_new)
    assert np.abs(analytic[:, 1] - expected).max() > 1e-3


def test_multiclass_cv_correction_minimizes_the_weighted_held_out_log_loss():
    X, y = make_classification(
        n_samples=450,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.75, 0.17, 0.08],
        random_state=1,
    )
    w = np.random.RandomState(2).uniform(0.5, 2.0, size=len(y))
    cv = KFold(3)
    clf = ResampledClassifier(
        LogisticRegression(), strategy="upweight", prior_correction="cv", cv=cv
    ).fit(X, y, sample_weight=w)
    log_p = np.log(_oof(X, y, w, list(cv.split(X, y))))

    rows = np.arange(len(y))

    def loss(theta):  # the weighted log-loss, written out
        z = theta[0] * log_p + np.r_[0.0, theta[1:]]
        log_q = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.sum(w * log_q[rows, y]) / w.sum()

    best = minimize(
        loss,
        np.r_[1.0, 0.0, 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-12, "maxiter": 4000},
    ).x
    np.testing.assert_allclose(clf.calibration_coef_, best[0], atol=2e-3)
    np.testing.assert_allclose(
        clf.calibration_intercept_, np.r_[0, best[1:]], atol=2e-3
    )
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def _imbalanced(seed=0):
    X, y = make_classification(
        n_samples=4000,
        n_features=10,
        n_informative=5,
        weights=[0.94, 0.06],
        flip_y=0.02,
        random_state=seed,
    )
    return X[:2000], y[:2000], X[2000:], y[2000:]


@pytest.mark.parametrize("strategy", ["upweight", "smote"])
def test_cv_correction_with_boosting_is_no_worse_than_no_resampling(strategy):
    X, y, X_test, y_test = _imbalanced()
    # 31 bins: with sample weights ("upweight") scikit-learn finds each bin
    # edge by its own weighted-percentile pass, so 255 bins cost 5x the time
    hgb = HistGradientBoostingClassifier(max_iter=60, max_bins=31, random_state=0)
    none = ResampledClassifier(hgb, strategy="none").fit(X, y)
    loss = {"none": log_loss(y_test, none.predict_proba(X_test))}
    for correction in (True, "cv"):
        clf = ResampledClassifier(
            hgb, strategy=strategy, prior_correction=correction, cv=3, random_state=0
        ).fit(X, y)
        loss[correction] = log_loss(y_test, clf.predict_proba(X_test))
    # the analytic correction trusts the boosted model's resampled
    # probabilities and loses to no resampling; the cross-fitted one does not
    assert loss[True] > loss["none"] + 0.01, loss
    assert loss["cv"] < loss["none"] + 0.005, loss


def test_cv_errors():
    X, y = make_classification(n_samples=100, weights=[0.96, 0.04], random_state=0)
    assert np.bincount(y).min() < 5
    clf = ResampledClassifier(LogisticRegression(), prior_correction="cv", cv=5)
    with pytest.raises(ValueError, match="cv=5 needs at least 5 rows of every class"):
        clf.fit(X, y)
    sgd = SGDClassifier(loss="log_loss", random_state=0)
    stream = ResampledClassifier(sgd, prior_correction="cv")
    with pytest.raises(ValueError, match="prior_correction='cv'.*partial_fit"):
        stream.partial_fit(X, y, classes=[0, 1])
    fitted = ResampledClassifier(sgd, prior_correction="cv", cv=3).fit(X, y)
    with pytest.raises(ValueError, match="prior_correction='cv'.*partial_fit"):
        fitted.partial_fit(X, y)
    with pytest.raises(ValueError, match="prior_correction"):
        ResampledClassifier(LogisticRegression(), prior_correction="bayes").fit(X, y)

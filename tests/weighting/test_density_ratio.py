import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)
from threadpoolctl import threadpool_limits

from skvariance.weighting import (
    DensityRatioEstimator,
    OverlapWarning,
    effective_sample_size,
)

SHIFT = np.array([0.6, -0.3])


def _gaussian_shift(n, seed):
    rng = np.random.RandomState(seed)
    X_source = rng.normal(size=(n, 2))
    X_target = rng.normal(size=(n, 2)) + SHIFT
    return X_source, X_target


def _true_ratio(X):
    return np.exp(X @ SHIFT - SHIFT @ SHIFT / 2)


@pytest.mark.parametrize(
    "params, min_corr, max_error",
    [
        ({"classifier": LogisticRegression()}, 0.98, 0.1),
        ({}, 0.9, 0.3),
        ({"method": "ulsif"}, 0.8, 0.3),
    ],
)
def test_ratio_recovers_a_known_gaussian_shift(params, min_corr, max_error):
    X_source, X_target = _gaussian_shift(1500, 0)
    dre = DensityRatioEstimator(random_state=0, **params).fit(X_source, X_target)
    rng = np.random.RandomState(1)
    X_eval = rng.normal(size=(1000, 2))  # fresh source rows
    w_hat, w = dre.predict(X_eval), _true_ratio(X_eval)
    assert np.corrcoef(w_hat, w)[0, 1] > min_corr
    # mean relative error on fresh source rows, in ratio units
    assert np.mean(np.abs(w_hat - w)) / np.mean(w) < max_error


def test_effective_sample_size_formula():
    X_source, X_target = _gaussian_shift(2000, 2)
    dre = DensityRatioEstimator(LogisticRegression(), random_state=0)
    dre.fit(X_source, X_target)
    w = dre.source_weights_
    assert dre.source_weights_ess_ == pytest.approx(w.sum() ** 2 / np.sum(w**2))
    assert 1 <= dre.effective_sample_size_ < len(w)
    # both close to the ESS of the true ratios of the same rows (whose limit
    # is n exp(-|shift|^2) = 1275 for these lognormal ratios)
    expected = effective_sample_size(_true_ratio(X_source))
    assert 1150 < expected < 1400
    assert dre.effective_sample_size_ == pytest.approx(expected, rel=0.2)
    assert dre.source_weights_ess_ == pytest.approx(expected, rel=0.2)
    assert effective_sample_size(np.ones(7)) == 7.0
    assert effective_sample_size([3.0, 0.0, 0.0]) == 1.0
    with pytest.raises(ValueError, match="non-negative"):
        effective_sample_size([1.0, -1.0])


def test_source_weights_are_cross_fitted_normalised_and_clipped():
    X_source, X_target = _gaussian_shift(400, 3)
    dre = DensityRatioEstimator(LogisticRegression(), random_state=0)
    dre.fit(X_source, X_target)
    assert dre.source_weights_.mean() == pytest.approx(1.0)
    # cross-fitted: not the final classifier's in-sample weights
    assert not np.allclose(dre.source_weights_, dre.predict(X_source))
    np.testing.assert_allclose(dre.source_weights_, dre.predict(X_source), rtol=0.35)
    clipped = DensityRatioEstimator(LogisticRegression(), clip=2.0, random_state=0)
    clipped.fit(X_source, X_target)
    assert clipped.source_weights_.max() == 2.0
    assert clipped.n_clipped_ == int(np.sum(dre.source_weights_ > 2.0)) > 0
    # Kish's ESS of the weights used: the clipped ones
    w = clipped.source_weights_
    assert clipped.source_weights_ess_ == pytest.approx(w.sum() ** 2 / np.sum(w**2))
    assert clipped.source_weights_ess_ > dre.source_weights_ess_
    assert clipped.predict(X_target).max() <= 2.0
    raw = DensityRatioEstimator(LogisticRegression(), normalize=False, random_state=0)
    raw.fit(X_source, X_target)
    assert raw.normalization_ == 1.0
    np.testing.assert_allclose(
        raw.predict(X_target) * dre.normalization_, dre.predict(X_target)
    )


def test_ulsif_with_fixed_hyperparameters_matches_the_closed_form():
    X_source, X_target = _gaussian_shift(300, 4)
    dre = DensityRatioEstimator(
        method="ulsif", bandwidth=1.0, regularization=0.1, n_centers=50, random_state=0
    ).fit(X_source, X_target)
    S = (X_source - dre.mean_) / dre.scale_
    T = (X_target - dre.mean_) / dre.scale_

    def phi(Z):
        d2 = ((Z[:, None, :] - dre.centers_[None]) ** 2).sum(-1)
        return np.exp(-d2 / 2.0)

    H = phi(S).T @ phi(S) / len(S)
    alpha = np.maximum(np.linalg.solve(H + 0.1 * np.eye(50), phi(T).mean(0)), 0)
    np.testing.assert_allclose(dre.alpha_, alpha)
    assert np.all(dre.predict(X_source) >= 0)


@pytest.mark.parametrize(
    "X_target, match",
    [
        (None, "X_target is None"),
        (np.zeros(10), "2-d array of target rows"),
        (np.zeros((1, 2)), "X_target has 1 row"),
        (np.zeros((10, 3)), "3 features but X_source has 2"),
    ],
)
def test_bad_samples_are_named(X_target, match):
    X_source, _ = _gaussian_shift(50, 0)
    with pytest.raises(ValueError, match=match):
        DensityRatioEstimator(LogisticRegression()).fit(X_source, X_target)


def test_nan_is_the_classifier_business_and_named_by_ulsif():
    X_source, X_target = _gaussian_shift(50, 0)
    X_nan = np.full((10, 2), np.nan)
    # uLSIF computes with the values: it checks them and names the sample
    with pytest.raises(ValueError, match="X_target"):
        DensityRatioEstimator(method="ulsif").fit(X_source, X_nan)
    # a classifier that cannot take NaN: the sample is named before any fit
    with pytest.raises(ValueError, match="X_target contains NaN"):
        DensityRatioEstimator(LogisticRegression()).fit(X_source, X_nan)
    # one that can (allow_nan tag) gets the NaN
    X_some_nan = X_target.copy()
    X_some_nan[::5, 0] = np.nan
    hgb = HistGradientBoostingClassifier(max_iter=5, random_state=0)
    with threadpool_limits(1):
        weights = DensityRatioEstimator(hgb).fit(X_source, X_some_nan).predict(X_source)
    assert np.all(np.isfinite(weights))


def test_bad_source_and_classifier_are_named():
    X_source, X_target = _gaussian_shift(50, 0)
    X_nan = X_source.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="X_source"):
        DensityRatioEstimator(method="ulsif").fit(X_nan, X_target)
    with pytest.raises(Exception, match="classifier"):
        DensityRatioEstimator(LinearRegression()).fit(X_source, X_target)


def test_estimator_conventions():
    # fit takes two samples, not (X, y): scikit-learn's fitting checks do not
    # apply, so the conventions are checked here
    X_source, X_target = _gaussian_shift(100, 5)
    for est in (
        DensityRatioEstimator(LogisticRegression(), random_state=0),
        DensityRatioEstimator(
            method="ulsif", bandwidth=1.0, regularization=0.1, random_state=0
        ),
    ):
        name = type(est).__name__
        check_no_attributes_set_in_init(name, est)
        check_get_params_invariance(name, est)
        before = (X_source.copy(), X_target.copy(), repr(est.get_params()))
        first = clone(est).fit(X_source, X_target)
        second = clone(est).fit(X_source, X_target)
        np.testing.assert_array_equal(first.predict(X_target), second.predict(X_target))
        restored = pickle.loads(pickle.dumps(first))
        np.testing.assert_array_equal(
            first.predict(X_target), restored.predict(X_target)
        )
        np.testing.assert_array_equal(X_source, before[0])
        np.testing.assert_array_equal(X_target, before[1])
        assert repr(est.get_params()) == before[2]
    est = DensityRatioEstimator(LogisticRegression(), random_state=0)
    serial = clone(est).fit(X_source, X_target)
    parallel = clone(est).set_params(n_jobs=2).fit(X_source, X_target)
    np.testing.assert_array_equal(serial.source_weights_, parallel.source_weights_)
    check_parameters_default_constructible(
        "DensityRatioEstimator", DensityRatioEstimator()
    )


def _mann_whitney_auc(labels, scores):
    """P(score of a 1 > score of a 0), ties one half, by brute force."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    diff = pos[:, None] - neg[None, :]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


@pytest.mark.parametrize("method", ["classifier", "ulsif"])
def test_disjoint_samples_alarm(method):
    # the target lives 8 sd away from every source row: no reweighting of the
    # source can represent it. The old diagnostic (Kish's ESS of the
    # normalised weights) reported most of the sample here.
    rng = np.random.RandomState(0)
    X_source = rng.normal(size=(300, 2))
    X_target = rng.normal(size=(300, 2)) + 8.0
    dre = DensityRatioEstimator(method=method, random_state=0)
    with pytest.warns(OverlapWarning, match="cannot be trusted") as record:
        dre.fit(X_source, X_target)
    message = str(record[0].message)
    assert "AUC" in message and "effective sample size" in message
    assert dre.domain_auc_ > 0.99
    assert dre.effective_sample_size_ < 0.05 * len(X_source)
    assert dre.mean_target_ratio_ > 20


@pytest.mark.parametrize("method", ["classifier", "ulsif"])
def test_identical_distributions_stay_quiet(method):
    # filterwarnings=error: any OverlapWarning fails this test
    rng = np.random.RandomState(1)
    X_source = rng.normal(size=(300, 2))
    X_target = rng.normal(size=(300, 2))
    dre = DensityRatioEstimator(method=method, random_state=0)
    dre.fit(X_source, X_target)
    # sd of the AUC of two samples of 300 under the null: 0.024
    assert abs(dre.domain_auc_ - 0.5) < 0.08
    assert dre.effective_sample_size_ > 0.9 * len(X_source)
    assert dre.source_weights_ess_ > 0.9 * len(X_source)


def test_classifier_diagnostics_match_a_hand_cross_fit():
    # unequal sample sizes, splits fixed by the splitter's own seed
    X_source, _ = _gaussian_shift(200, 6)
    _, X_target = _gaussian_shift(120, 7)
    cv = StratifiedKFold(4, shuffle=True, random_state=3)
    dre = DensityRatioEstimator(LogisticRegression(), cv=cv, random_state=0)
    dre.fit(X_source, X_target)
    Z = np.vstack([X_source, X_target])
    domain = np.r_[np.zeros(200, int), np.ones(120, int)]
    proba = np.empty(len(Z))
    for train, test in cv.split(Z, domain):
        model = LogisticRegression().fit(Z[train], domain[train])
        proba[test] = model.predict_proba(Z[test])[:, 1]
    ratio = (200 / 120) * proba / (1 - proba)
    np.testing.assert_allclose(dre.source_weights_, ratio[:200] / ratio[:200].mean())
    assert dre.mean_target_ratio_ == pytest.approx(ratio[200:].mean(), rel=1e-10)
    assert dre.effective_sample_size_ == pytest.approx(
        min(200, 200 / ratio[200:].mean()), rel=1e-10
    )
    assert dre.domain_auc_ == pytest.approx(_mann_whitney_auc(domain, proba))


def test_ulsif_diagnostics_match_a_hand_cross_fit():
    X_source, X_target = _gaussian_shift(150, 8)
    cv = KFold(3, shuffle=True, random_state=5)
    dre = DensityRatioEstimator(
        method="ulsif", bandwidth=0.8, regularization=0.05, n_centers=30, cv=cv
    ).fit(X_source, X_target)
    S = (X_source - dre.mean_) / dre.scale_
    T = (X_target - dre.mean_) / dre.scale_

    def phi(Z):
        d2 = ((Z[:, None, :] - dre.centers_[None]) ** 2).sum(-1)
        return np.exp(-d2 / (2 * 0.8**2))

    oof_s, oof_t = np.empty(150), np.empty(150)
    for (s_tr, s_te), (t_tr, t_te) in zip(cv.split(S), cv.split(T)):
        H = phi(S[s_tr]).T @ phi(S[s_tr]) / len(s_tr)
        h = phi(T[t_tr]).mean(0)
        alpha = np.maximum(np.linalg.solve(H + 0.05 * np.eye(30), h), 0)
        oof_s[s_te], oof_t[t_te] = phi(S[s_te]) @ alpha, phi(T[t_te]) @ alpha
    assert dre.mean_target_ratio_ == pytest.approx(oof_t.mean(), rel=1e-10)
    assert dre.effective_sample_size_ == pytest.approx(
        min(150, 150 / oof_t.mean()), rel=1e-10
    )
    labels = np.r_[np.zeros(150, int), np.ones(150, int)]
    assert dre.domain_auc_ == pytest.approx(
        _mann_whitney_auc(labels, np.r_[oof_s, oof_t])
    )


def test_clipping_most_weights_alarms():
    X_source, X_target = _gaussian_shift(300, 9)
    dre = DensityRatioEstimator(LogisticRegression(), clip=0.8, random_state=0)
    with pytest.warns(OverlapWarning, match=r"clip=0.8 bounds \d+ of 300"):
        dre.fit(X_source, X_target)
    assert dre.n_clipped_ > 30


@pytest.mark.parametrize(
    "auc, ess, n_clipped, alarm",
    [
        (0.949, 5.0, 10, None),
        (0.95, 5.0, 10, "AUC 0.950"),
        (0.5, 4.99, 10, "effective sample size is 4.99 of 100"),
        (0.5, 5.0, 11, "bounds 11 of 100"),
    ],
)
def test_warning_thresholds_are_the_documented_ones(auc, ess, n_clipped, alarm):
    # AUC >= 0.95, ESS < 5% of the source rows, more than 10% clipped
    dre = DensityRatioEstimator(clip=3.0)
    dre.domain_auc_, dre.effective_sample_size_ = auc, ess
    dre.n_source_, dre.n_clipped_ = 100, n_clipped
    if alarm is None:
        dre._warn_overlap()
    else:
        with pytest.warns(OverlapWarning, match=alarm) as record:
            dre._warn_overlap()
        assert len(record) == 1

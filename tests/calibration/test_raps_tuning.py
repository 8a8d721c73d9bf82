"""RAPS k_reg="auto" and penalty="auto": the paper's rule, MAPIE's choice."""

import warnings
from fractions import Fraction
from math import ceil

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from skvariance.calibration import ConformalClassifier
from skvariance.calibration._classifier import tune_raps

from ._helpers import KnownProba, rep_variance, within

GRID = (0.001, 0.01, 0.1, 0.2, 0.5)


def _rank(n, level):
    return ceil((n + 1) * Fraction(str(level)))


def _raps_by_hand(P, u, lam, k):
    """RAPS score of every label: mass ranked above + u p + lam max(0, r - k)."""
    order = np.argsort(-P, axis=1, kind="stable")
    p_sorted = np.take_along_axis(P, order, axis=1)
    ranks = np.arange(1, P.shape[1] + 1)
    s_sorted = (
        np.cumsum(p_sorted, axis=1)
        - (1 - u[:, None]) * p_sorted
        + lam * np.maximum(0, ranks - k)
    )
    entry = np.concatenate([np.full((len(P), 1), -np.inf), s_sorted[:, :-1]], axis=1)
    scores, entries = np.empty_like(P), np.empty_like(P)
    np.put_along_axis(scores, order, s_sorted, axis=1)
    np.put_along_axis(entries, order, entry, axis=1)
    return scores, entries


def _sets_by_hand(P_cal, y_cal, u_cal, P, u, lam, k, level, randomized):
    s_cal, _ = _raps_by_hand(P_cal, u_cal, lam, k)
    true = np.sort(s_cal[np.arange(len(y_cal)), y_cal])
    r = _rank(true.size, level)
    q = true[r - 1] if r <= true.size else np.inf
    scores, entries = _raps_by_hand(P, u, lam, k)
    return scores <= q if randomized else entries < q


def _tune_by_hand(P, y, u, level, randomized):
    """pick_kreg then pick_lambda_size (Angelopoulos et al., 2021)."""
    order = np.argsort(-P, axis=1, kind="stable")
    position = np.argmax(order == y[:, None], axis=1) + 1
    k = int(np.sort(position)[_rank(len(y), level) - 1])
    sizes = [
        _sets_by_hand(P, y, u, P, u, lam, k, level, randomized).sum(axis=1).mean()
        for lam in GRID
    ]
    return k, GRID[int(np.argmin(sizes))], sizes


def _data(seed):
    X, y = make_classification(
        1500,
        n_features=20,
        n_informative=8,
        n_classes=8,
        n_clusters_per_class=1,
        random_state=seed,
    )
    return X, y


@pytest.mark.parametrize("randomized", [False, True])
def test_tuned_values_follow_the_paper_rule(randomized):
    chosen = set()
    for seed in range(3):
        X, y = _data(seed)
        clf = ConformalClassifier(
            LogisticRegression(max_iter=300),
            score="raps",
            k_reg="auto",
            penalty="auto",
            randomized=randomized,
            calibration_size=0.5,
            random_state=seed,
        ).fit(X, y)
        tune = clf.tuning_indices_
        P = clf.estimator_.predict_proba(X[tune])
        u = clf._draws(X[tune])
        k, lam, sizes = _tune_by_hand(P, y[tune], u, 0.9, randomized)
        assert (clf.k_reg_, clf.penalty_) == (k, lam), sizes
        assert np.unique(sizes).size > 1  # the grid matters on these data
        chosen.add((k, lam))
        # the tuning rows are a 20% share of the calibration rows, disjoint
        fixed = ConformalClassifier(
            LogisticRegression(max_iter=300), calibration_size=0.5, random_state=seed
        ).fit(X, y)
        np.testing.assert_array_equal(
            np.union1d(tune, clf.calibration_indices_), fixed.calibration_indices_
        )
        assert np.intersect1d(tune, clf.calibration_indices_).size == 0
        assert tune.size == 150
        # then calibrated on the remaining rows with the tuned values
        cal = clf.calibration_indices_
        X_test = X[:200] + 0.05
        expected = _sets_by_hand(
            clf.estimator_.predict_proba(X[cal]),
            y[cal],
            clf._draws(X[cal]),
            clf.estimator_.predict_proba(X_test),
            clf._draws(X_test),
            lam,
            k,
            0.8,
            randomized,
        )
        np.testing.assert_array_equal(clf.predict_set(X_test, 0.8), expected)
    assert len(chosen) > 1  # not one constant answer


def test_only_the_auto_value_is_tuned():
    X, y = _data(1)
    clf = ConformalClassifier(
        LogisticRegression(max_iter=300),
        score="raps",
        k_reg=2,
        penalty="auto",
        randomized=False,
        calibration_size=0.5,
        random_state=0,
    ).fit(X, y)
    tune = clf.tuning_indices_
    P = clf.estimator_.predict_proba(X[tune])
    assert clf.k_reg_ == 2
    assert tune_raps(P, y[tune], np.ones(tune.size), 0.9, 2, "auto", False) == (
        2,
        clf.penalty_,
    )
    k, lam = tune_raps(P, y[tune], np.ones(tune.size), 0.9, "auto", 0.3, False)
    assert lam == 0.3 and k == _tune_by_hand(P, y[tune], np.ones(tune.size), 0.9, 0)[0]
    # defaults: nothing tuned, no row held out
    plain = ConformalClassifier(score="raps", random_state=0).fit(X, y)
    assert (plain.k_reg_, plain.penalty_, plain.tuning_indices_) == (1, 0.01, None)
    lac = ConformalClassifier(k_reg="auto", penalty="auto", random_state=0).fit(X, y)
    assert (lac.k_reg_, lac.penalty_, lac.tuning_indices_) == (None, None, None)


def test_tuned_values_equal_mapie_on_the_same_split(monkeypatch):
    pytest.importorskip("mapie")
    import mapie.conformity_scores.sets.raps as raps_module
    from mapie.classification import SplitConformalClassifier

    score_class = raps_module.RAPSConformityScore
    original = score_class._add_regularization

    def regularize(self, cumsum, lambda_=None, k_star=None, prediction_phase=False):
        # MAPIE 1.6 bug: in its lambda search `k_star = cast(int, lambda_)`
        # penalises from rank ~1; the paper (and ours) from rank k_star
        if prediction_phase:
            return original(self, cumsum, prediction_phase=True)
        ranks = np.cumsum(np.ones(cumsum.shape), axis=1)
        return cumsum + lambda_ * np.maximum(0, ranks - k_star)

    monkeypatch.setattr(score_class, "_add_regularization", regularize)
    X, y = _data(2)
    for seed in range(3):
        clf = ConformalClassifier(
            LogisticRegression(max_iter=300),
            score="raps",
            k_reg="auto",
            penalty="auto",
            randomized=False,  # MAPIE tunes on non-randomised sets
            calibration_size=0.5,
            random_state=seed,
        ).fit(X, y)
        rows = np.union1d(clf.calibration_indices_, clf.tuning_indices_)
        held = np.isin(rows, clf.tuning_indices_)

        class SameSplit:  # MAPIE's StratifiedShuffleSplit, on our rows
            def __init__(self, **kwargs):
                pass

            def split(self, X, y, held=held):
                yield np.flatnonzero(~held), np.flatnonzero(held)

        monkeypatch.setattr(raps_module, "StratifiedShuffleSplit", SameSplit)
        peer = SplitConformalClassifier(
            clf.estimator_,
            confidence_level=0.9,
            conformity_score=score_class(size_raps=0.2),
            prefit=True,
        ).conformalize(X[rows], y[rows])
        peer.predict_set(X[:5])  # MAPIE tunes when it computes its quantile
        fitted = peer._mapie_classifier.conformity_score_function_
        assert clf.k_reg_ == int(fitted.k_star[0])
        assert clf.penalty_ == fitted.lambda_star


def _draw(rng, n):
    P = rng.dirichlet([0.5] * 5, size=n)
    y = (rng.uniform(size=(n, 1)) > P.cumsum(axis=1)).sum(axis=1)
    return P, np.minimum(y, 4)


def test_tuned_raps_covers_exactly_from_both_sides():
    # 40 calibration rows: 8 tune, 32 calibrate; randomised RAPS covers
    # ceil(33 * 0.8) / 33 = 27/33 exactly; one rank (1/33) is > 4 se
    n_reps, n_test, level = 120, 300, 0.8
    cover = np.empty(n_reps)
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        P, y = _draw(rng, 80)
        P_test, y_test = _draw(rng, n_test)
        clf = ConformalClassifier(
            KnownProba(),
            score="raps",
            k_reg="auto",
            penalty="auto",
            coverage=level,
            calibration_size=40,
            random_state=r,
        ).fit(P, y)
        assert clf.calibration_indices_.size == 32
        cover[r] = clf.predict_set(P_test)[np.arange(n_test), y_test].mean()
    exact = 27 / 33
    ok, se = within(cover.mean(), exact, rep_variance(exact, 32, n_test), n_reps)
    assert ok, (cover.mean(), exact, se)
    assert 1 / 33 > 4 * se
    assert cover.mean() >= level - 4 * se


def test_tuning_input_is_checked_before_fitting():
    X, y = _data(3)

    class Unfittable(LogisticRegression):
        def fit(self, *args, **kwargs):
            raise AssertionError("fitted before the check")

    with pytest.raises(ValueError, match="need method='split'.*cv_plus"):
        ConformalClassifier(
            Unfittable(), score="raps", k_reg="auto", method="cv_plus"
        ).fit(X, y)
    with pytest.raises(InvalidParameterError, match="tuning_size"):
        ConformalClassifier(score="raps", penalty="auto", tuning_size=1.5).fit(X, y)
    with pytest.raises(InvalidParameterError, match="k_reg"):
        ConformalClassifier(score="raps", k_reg="best").fit(X, y)
    # 40 calibration rows: 8 tuning rows, too few for coverage 0.9 (needs 9)
    small = ConformalClassifier(
        Unfittable(), score="raps", penalty="auto", calibration_size=40
    )
    with pytest.raises(ValueError, match="at least 9 tuning rows, got 8 "):
        small.fit(X, y)
    # 8 classes cannot all be in 4 stratified tuning rows
    few = ConformalClassifier(
        Unfittable(), score="raps", k_reg="auto", coverage=0.75, calibration_size=20
    )
    with pytest.raises(ValueError, match="cannot hold out tuning_size=0.2 of the 20"):
        few.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ConformalClassifier(
            score="raps", penalty="auto", calibration_size=45, random_state=0
        ).fit(X, y)

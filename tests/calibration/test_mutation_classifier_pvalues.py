"""Mutation-killing tests: p-values with ties, RAPS tuning, whole messages."""

import numpy as np
import pytest

from skvariance.calibration import ConformalClassifier
from skvariance.calibration._classifier import conformal_pvalues, tune_raps

from ._helpers import KnownProba, whole

# identical rows with dyadic probabilities: every score ties with others
_ROW = [0.5, 0.25, 0.25]


def _tied(n=40, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    return np.tile(_ROW, (n, 1)), y


def test_conformal_pvalues_formula_by_hand():
    below, at_most = np.array([2.0, 0.0]), np.array([5.0, 1.0])
    total, w = np.array([10.0, 4.0]), np.array([1.0, 2.0])
    # scores >= s: total - below; > s: total - at_most
    np.testing.assert_allclose(
        conformal_pvalues(below, at_most, total, w), [9 / 11, 6 / 6]
    )
    np.testing.assert_allclose(
        conformal_pvalues(below, at_most, total, w, strict=True), [6 / 11, 5 / 6]
    )
    theta = np.array([0.25, 0.5])
    np.testing.assert_allclose(
        conformal_pvalues(below, at_most, total, w, theta),
        [(5 + 0.25 * 4) / 11, (3 + 0.5 * 3) / 6],
    )


def test_tied_lac_pvalues_equal_crepes():
    crepes = pytest.importorskip("crepes")
    P, y = _tied()
    clf = ConformalClassifier(KnownProba(), calibration_size=20, random_state=0)
    clf.fit(P, y)
    cal = clf.calibration_indices_
    peer = crepes.ConformalClassifier().fit(1.0 - P[cal, y[cal]])
    np.testing.assert_allclose(
        clf.predict_pvalue(P[:3]), peer.predict_p(1.0 - P[:3], smoothing=False)
    )


def test_tied_entry_score_pvalues_count_strictly_greater_scores():
    # non-randomised APS: scores 0.5 (a), 0.75 (b), 1 (c); entry scores -inf,
    # 0.5, 0.75: p = (#{s_i > entry} + 1) / (n + 1), so that p > alpha is
    # the set (entry < quantile) even on ties
    P, y = _tied()
    clf = ConformalClassifier(
        KnownProba(), score="aps", randomized=False, calibration_size=20
    ).fit(P, y)
    s = np.array([0.5, 0.75, 1.0])[y[clf.calibration_indices_]]
    entry = np.array([-np.inf, 0.5, 0.75])
    expected = [(np.sum(s > e) + 1) / 21 for e in entry]
    p = clf.predict_pvalue(P[:2])
    np.testing.assert_allclose(p, [expected, expected])
    for a in (0.05, 0.3, 0.45, 0.6, 0.9):
        np.testing.assert_array_equal(p > a, clf.predict_set(P[:2], 1 - a))


def test_pvalue_messages_are_whole():
    P, y = _tied()
    clf = ConformalClassifier(KnownProba(), random_state=0).fit(P, y)
    with pytest.raises(ValueError, match=whole("y must have shape (2,), got (3,).")):
        clf.predict_pvalue(P[:2], y=[0, 1, 2])
    labels = np.arange(3, 15)  # 12 unknown labels: the first 10 are named
    with pytest.raises(
        ValueError,
        match=whole(f"y contains labels not in classes_: {list(range(3, 13))}."),
    ):
        clf.predict_pvalue(np.tile(_ROW, (12, 1)), y=labels)
    aps = ConformalClassifier(
        KnownProba(), score="aps", randomized=False, random_state=0
    ).fit(P, y)
    message = (
        "smoothing=True needs randomised scores: with randomized=False the "
        "APS/RAPS p-value is that of the entry score (the label above), "
        "conservative and not smoothable; use smoothing=False or randomized=True."
    )
    with pytest.raises(ValueError, match=whole(message)):
        aps.predict_pvalue(P[:2], smoothing=True)


def _tied_ranks(seed, n=60, n_classes=8):
    """Rows whose probabilities tie in blocks; ranks by label index on ties."""
    rng = np.random.RandomState(seed)
    levels = rng.choice([1.0, 2.0, 4.0], size=(n, n_classes))
    P = levels / levels.sum(axis=1, keepdims=True)
    y = rng.randint(0, n_classes, size=n)
    return P, y


def _stable_rank(P, y):
    order = np.argsort(-P, axis=1, kind="stable")
    return np.argmax(order == y[:, None], axis=1) + 1


def test_tune_raps_defaults_and_ties_by_hand():
    # k_reg: ranks with ties broken by label index (as the scores rank);
    # defaults: both "auto", randomised sets
    for seed in range(5):
        P, y = _tied_ranks(seed)
        u = np.random.RandomState(seed).uniform(size=y.size)
        k = int(np.sort(_stable_rank(P, y))[int(np.ceil(61 * 0.8)) - 1])
        got_k, got_lam = tune_raps(P, y, u, 0.8)
        assert got_k == k
        assert (got_k, got_lam) == tune_raps(P, y, u, 0.8, "auto", "auto", True)
    # defaults randomise: not the non-randomised choice on these rows
    P, y = _tied_ranks(7, n=200)
    u = np.random.RandomState(0).uniform(size=200)
    assert tune_raps(P, y, u, 0.8, 2) != tune_raps(P, y, u, 0.8, 2, randomized=False)


def test_tune_raps_message_is_whole():
    P, y = _tied_ranks(0, n=8)
    message = (
        "RAPS tuning (k_reg or penalty 'auto') at coverage 0.9 needs at least 9 "
        "tuning rows, got 8: use a larger tuning_size, more calibration data or "
        "fixed values."
    )
    with pytest.raises(ValueError, match=whole(message)):
        tune_raps(P, y, np.ones(8), 0.9)


def _dyadic_tuning_rows(seed):
    rng = np.random.RandomState(seed)
    n, n_classes = rng.randint(10, 30), rng.randint(3, 6)
    levels = rng.choice([1.0, 2.0, 4.0, 8.0], size=(n, n_classes))
    P = levels / levels.sum(axis=1, keepdims=True)
    y = rng.randint(0, n_classes, n)
    return P, y, rng.randint(1, 3)


def _lambda_by_hand(P, y, k, randomized):
    """pick_lambda_size with u = 1: RAPS scores and entry scores by cumsum."""
    n, n_classes = P.shape
    order = np.argsort(-P, axis=1, kind="stable")
    p_sorted = np.take_along_axis(P, order, axis=1)
    sizes = []
    for lam in (0.001, 0.01, 0.1, 0.2, 0.5):
        s_sorted = np.cumsum(p_sorted, axis=1) + lam * np.maximum(
            0, np.arange(1, n_classes + 1) - k
        )
        e_sorted = np.concatenate([np.full((n, 1), -np.inf), s_sorted[:, :-1]], 1)
        scores, entries = np.empty_like(P), np.empty_like(P)
        np.put_along_axis(scores, order, s_sorted, axis=1)
        np.put_along_axis(entries, order, e_sorted, axis=1)
        true = np.sort(scores[np.arange(n), y])
        q = true[int(np.ceil((n + 1) * 0.8)) - 1]
        inside = scores <= q if randomized else entries < q
        sizes.append(np.mean(np.sum(inside, axis=1)))
    return (0.001, 0.01, 0.1, 0.2, 0.5)[int(np.argmin(sizes))]


@pytest.mark.parametrize(
    "seed, randomized, shape, chosen",
    [(1, True, (15, 3, 2), 0.01), (57, False, (25, 5, 1), 0.2)],
)
def test_tune_raps_threshold_ties_by_hand(seed, randomized, shape, chosen):
    # u = 1 on dyadic rows: many labels tie with the threshold. Randomised
    # sets hold a label whose score equals it (score <= q); non-randomised
    # ones a label whose entry score is below it (entry < q). Either choice
    # moves lambda here.
    P, y, k = _dyadic_tuning_rows(seed)
    assert (*P.shape, k) == shape
    assert _lambda_by_hand(P, y, k, randomized) == chosen
    got = tune_raps(P, y, np.ones(len(y)), 0.8, k, randomized=randomized)
    assert got == (k, chosen)


def test_group_and_tuning_messages_are_whole():
    P, y = _tied()
    g = np.arange(P.shape[0]) % 2
    grouped = ConformalClassifier(KnownProba(), random_state=0).fit(P, y, groups=g)
    with pytest.raises(
        ValueError,
        match=whole(
            "groups is required: the classifier was fitted with groups "
            "(Mondrian calibration)."
        ),
    ):
        grouped.predict_set(P[:2])
    plain = ConformalClassifier(KnownProba(), random_state=0).fit(P, y)
    with pytest.raises(
        ValueError,
        match=whole(
            "groups were given at predict time but the classifier was fitted "
            "without groups."
        ),
    ):
        plain.predict_pvalue(P[:2], groups=[0, 1])
    cv = ConformalClassifier(
        KnownProba(), score="raps", penalty="auto", method="cv_plus"
    )
    with pytest.raises(
        ValueError,
        match=whole(
            "k_reg='auto' and penalty='auto' need method='split': RAPS tuning "
            "holds out calibration rows, and CV+ calibrates every row; got "
            "method='cv_plus'. Give fixed values."
        ),
    ):
        cv.fit(P, y)


def test_cv_plus_shift_weight_message_is_whole():
    P, y = _tied()
    clf = ConformalClassifier(KnownProba(), method="cv_plus", cv=3).fit(P, y)
    with pytest.raises(ValueError, match=whole("shift_weight needs method='split'.")):
        clf.predict_pvalue(P[:2], shift_weight=[1.0, 1.0])


def test_tuning_split_is_seeded_by_random_state():
    rng = np.random.RandomState(0)
    P = rng.dirichlet([1.0, 1.0, 1.0], size=300)
    y = rng.randint(0, 3, size=300)

    def fit(seed):
        return ConformalClassifier(
            KnownProba(), score="raps", k_reg="auto", random_state=seed
        ).fit(P, y)

    first, again, other = fit(3), fit(3), fit(4)
    np.testing.assert_array_equal(first.tuning_indices_, again.tuning_indices_)
    assert not np.array_equal(first.tuning_indices_, other.tuning_indices_)
    seeded = fit(np.random.RandomState(3))  # a RandomState is drawn from too
    np.testing.assert_array_equal(seeded.tuning_indices_, first.tuning_indices_)


def test_cv_plus_sets_reject_shift_weight_with_a_whole_message():
    P, y = _tied()
    clf = ConformalClassifier(KnownProba(), method="cv_plus", cv=3).fit(P, y)
    with pytest.raises(ValueError, match=whole("shift_weight needs method='split'.")):
        clf.predict_set(P[:2], shift_weight=[1.0, 1.0])


def test_fit_tunes_with_its_own_randomized_rule():
    rng = np.random.RandomState(8)
    levels = rng.choice([1.0, 2.0, 4.0], size=(400, 6))
    P = levels / levels.sum(axis=1, keepdims=True)
    y = rng.randint(0, 6, 400)
    clf = ConformalClassifier(
        KnownProba(), score="raps", k_reg=2, penalty="auto", random_state=0
    ).fit(P, y)
    t = clf.tuning_indices_
    u = clf._draws(P[t])
    assert clf.penalty_ == tune_raps(P[t], y[t], u, 0.9, 2, "auto", True)[1]
    assert clf.penalty_ != tune_raps(P[t], y[t], u, 0.9, 2, "auto", False)[1]


def test_tuning_size_message_is_whole():
    P, y = _tied(200)
    clf = ConformalClassifier(
        KnownProba(), score="raps", penalty="auto", calibration_size=40
    )
    message = (
        "RAPS tuning (k_reg or penalty 'auto') at coverage 0.9 needs at least 9 "
        "tuning rows, got 8 (tuning_size=0.2 of 40 calibration rows): use a "
        "larger tuning_size, more calibration data or fixed values."
    )
    with pytest.raises(ValueError, match=whole(message)):
        clf.fit(P, y)


_CONSEQUENCES = {
    (False, False): "every prediction set holds every label",
    (False, True): "its class is in every prediction set",
    (True, False): "every prediction set of its test points holds every label",
    (True, True): "its class is in every prediction set of the group's test points",
}


@pytest.mark.parametrize("with_groups, class_conditional", list(_CONSEQUENCES))
def test_size_warning_is_whole_and_sets_are_boolean(with_groups, class_conditional):
    P, y = _tied(200)
    g = np.where(np.arange(200) < 150, "big", "small")
    clf = ConformalClassifier(
        KnownProba(),
        calibration_size=100,
        class_conditional=class_conditional,
        random_state=0,
    ).fit(P, y, groups=g if with_groups else None)
    test_groups = ["small", "small"] if with_groups else None
    with pytest.warns(UserWarning) as record:
        sets = clf.predict_set(P[:2], coverage=0.999, groups=test_groups)
    consequence = _CONSEQUENCES[with_groups, class_conditional]
    message = str(record[0].message)
    assert message.endswith(
        f": the conformal quantile is +inf, so {consequence} (the exact conformal "
        "answer). Use more calibration data, a larger calibration_size or a lower "
        "coverage for a finite one."
    ), message
    assert sets.dtype == bool and sets.all()
    big = ["big"] * 2 if with_groups else None
    assert clf.predict_set(P[:2], coverage=[0.5], groups=big).dtype == bool


@pytest.mark.parametrize("method", ["split", "cv_plus"])
@pytest.mark.parametrize("with_groups", [False, True])
def test_tied_lac_sets_hold_the_label_at_the_threshold(method, with_groups):
    # LAC scores 0.5 / 0.75 / 0.75 tie with the calibration scores: a label
    # whose score equals the quantile is in the set (#{s_i < s} < rank); two
    # Mondrian groups take each its own count
    P, y = _tied(120, seed=3)
    mixed = (y == 0) | (np.arange(120) % 5 == 0)  # group 1: mostly easy rows
    g = mixed.astype(int) if with_groups else np.zeros(120, dtype=int)
    clf = ConformalClassifier(
        KnownProba(), method=method, cv=3, calibration_size=60, random_state=0
    ).fit(P, y, groups=g if with_groups else None)
    rows = clf.calibration_indices_ if method == "split" else np.arange(120)
    s_cal = 1.0 - P[rows, y[rows]]
    levels = [0.3, 0.5, 0.7, 0.9]
    test_groups = np.array([0, 1]) if with_groups else np.zeros(2, dtype=int)
    got = clf.predict_set(P[:2], levels, groups=test_groups if with_groups else None)
    for i, group in enumerate(test_groups):
        ref = s_cal[g[rows] == group]
        for j, level in enumerate(levels):
            rank = int(np.ceil((ref.size + 1) * level - 1e-9))
            below = np.sum(ref[:, None] < 1.0 - P[i], axis=0)
            np.testing.assert_array_equal(got[i, :, j], below < rank)
    assert got.any() and not got.all()


def test_smoothing_draws_are_not_the_aps_draws():
    from skvariance.calibration._classifier import row_uniforms

    P, y = _tied()
    X = np.random.RandomState(0).dirichlet([1.0, 1.0, 1.0], size=20)
    clf = ConformalClassifier(KnownProba(), score="aps", random_state=0).fit(P, y)
    theta = clf._smoothing_draws(X)
    u = row_uniforms(X, clf._predict_seed)
    assert not np.isin(theta, u).any()


def test_weighted_pvalue_of_a_score_below_every_calibration_score_is_one():
    rng = np.random.RandomState(5)
    P = rng.dirichlet([1.0, 1.0, 1.0], size=100) * 0.98 + 0.02 / 3
    y = rng.randint(0, 3, size=100)
    w = rng.uniform(0.5, 2.0, size=100)
    clf = ConformalClassifier(KnownProba(), calibration_size=50, random_state=0)
    clf.fit(P, y, shift_weight=w)
    p = clf.predict_pvalue(np.array([[1.0, 0.0, 0.0]]), shift_weight=[1.5])
    assert p[0, 0] == 1.0  # score 0 is below every calibration score


def test_class_conditional_weighted_sets_by_hand():
    rng = np.random.RandomState(2)
    P = rng.dirichlet([1.0, 1.0, 1.0], size=240)
    y = rng.randint(0, 3, size=240)
    w = rng.uniform(0.5, 2.0, size=240)
    clf = ConformalClassifier(
        KnownProba(), class_conditional=True, calibration_size=120, random_state=0
    ).fit(P, y, shift_weight=w)
    P_test = rng.dirichlet([1.0, 1.0, 1.0], size=10)
    w_test = rng.uniform(0.5, 2.0, size=10)
    got = clf.predict_set(P_test, coverage=0.8, shift_weight=w_test)
    cal = clf.calibration_indices_
    for i in range(10):
        for c in range(3):
            rows = cal[y[cal] == c]
            s = np.sort(1.0 - P[rows, c])
            ws = w[rows][np.argsort(1.0 - P[rows, c])]
            k = np.flatnonzero(np.cumsum(ws) / (ws.sum() + w_test[i]) >= 0.8)
            q = s[k[0]] if k.size else np.inf
            assert got[i, c] == (1.0 - P_test[i, c] <= q)

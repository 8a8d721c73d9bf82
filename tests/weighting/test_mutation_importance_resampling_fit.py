"""Mutation tests of the body of ImportanceResampler.fit.

References by hand: count features passed through unchanged, the smoothed
bag-of-features distributions, the log weights, the Gumbel top-k draw and
the uniform comparison draw from ``RandomState(random_state)`` in the
documented order, the KL divergences, the error messages in full.
"""

import re

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer

from skvariance.weighting import ImportanceResampler


def _counts(seed):
    rng = np.random.RandomState(seed)
    pool = rng.poisson([3.0, 1.0, 0.5, 2.0], size=(20, 4)).astype(float)
    target = rng.poisson([0.5, 2.0, 3.0, 1.0], size=(8, 4)).astype(float)
    return pool, target


def _dist(counts, s):
    c = counts + s
    return c / c.sum()


def _kl(p, q):
    return float(np.sum(p * np.log(p / q)))


@pytest.mark.parametrize("k, smoothing, rs", [(5, 1.0, 0), (7, 0.5, 3)])
def test_bag_selection_and_kl_by_hand(k, smoothing, rs):
    pool, target = _counts(rs)
    dsir = ImportanceResampler(
        FunctionTransformer(),
        n_samples=k,
        smoothing=smoothing,
        random_state=rs,
    ).fit(pool, target)
    p_t = _dist(target.sum(0), smoothing)
    p_p = _dist(pool.sum(0), smoothing)
    log_w = pool @ (np.log(p_t) - np.log(p_p))
    np.testing.assert_allclose(dsir.log_weights_, log_w, rtol=1e-12)
    assert dsir.n_pool_ == 20
    rng = np.random.RandomState(rs)
    keys = log_w + rng.gumbel(size=20)
    chosen = np.argsort(-keys, kind="stable")[:k]
    np.testing.assert_array_equal(dsir.sample_indices_, chosen)
    random_rows = rng.choice(20, size=k, replace=False)
    kl_sel = _kl(p_t, _dist(pool[chosen].sum(0), smoothing))
    kl_rand = _kl(p_t, _dist(pool[random_rows].sum(0), smoothing))
    assert dsir.kl_selected_ == pytest.approx(kl_sel, rel=1e-12)
    assert dsir.kl_random_ == pytest.approx(kl_rand, rel=1e-12)
    assert dsir.kl_reduction_ == pytest.approx(kl_rand - kl_sel, rel=1e-10)


def test_negative_features_leave_the_kl_unset_with_a_density_ratio():
    pool, target = _counts(1)
    dsir = ImportanceResampler(
        FunctionTransformer(lambda X: X - 1.0),
        n_samples=5,
        importance="classifier",
        random_state=0,
    ).fit(pool, target)
    assert dsir.kl_selected_ is None and dsir.kl_random_ is None
    assert dsir.kl_reduction_ is None
    assert len(set(dsir.sample_indices_.tolist())) == 5


def test_bag_refuses_negative_features():
    pool, target = _counts(2)
    msg = (
        "importance='bag' needs non-negative count features; the transformer "
        "gives negative values. Use a counting transformer or "
        "importance='classifier'."
    )
    for shift in ((1.0, 0.0), (0.0, 1.0)):  # negative in the pool, the target
        pool_, target_ = pool - 10 * shift[0], target - 10 * shift[1]
        with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
            ImportanceResampler(FunctionTransformer(), n_samples=3).fit(pool_, target_)


def test_transformer_errors_name_the_sample_and_the_transformer():
    pool, target = _counts(3)
    ft = FunctionTransformer(validate=True)
    wide = np.column_stack([pool, pool[:, 0]])
    try:
        ft.fit(target).transform(wide)
    except ValueError as exc:
        detail = str(exc)
    msg = (
        "X_pool could not be transformed by the FunctionTransformer fitted on "
        f"X_target: {detail}"
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        ImportanceResampler(ft, n_samples=3).fit(wide, target)
    bad = target.copy()
    bad[0, 0] = np.nan
    try:
        FunctionTransformer(validate=True).fit(bad)
    except ValueError as exc:
        detail = str(exc)
    msg = f"X_target could not be transformed by the FunctionTransformer: {detail}"
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        ImportanceResampler(ft, n_samples=3).fit(pool, bad)


@pytest.mark.parametrize("sample", ["X_pool", "X_target"])
def test_non_finite_features_are_refused_by_sample(sample):
    pool, target = _counts(4)
    (pool if sample == "X_pool" else target)[1, 2] = np.inf
    msg = (
        f"The features of {sample} contain NaN or infinity; clean the rows or "
        "choose a transformer that handles them."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        ImportanceResampler(FunctionTransformer(), n_samples=3).fit(pool, target)


def test_all_zero_features_name_the_sample_and_the_transformer():
    pool, target = _counts(5)
    msg = (
        "Every row of X_pool has an all-zero feature vector under the "
        "FunctionTransformer (e.g. empty strings): the counts carry no "
        "information, and any selection would be arbitrary."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        ImportanceResampler(FunctionTransformer(), n_samples=3).fit(
            np.zeros_like(pool), target
        )


def test_the_given_density_ratio_estimator_is_used():
    from skvariance.weighting import DensityRatioEstimator, OverlapWarning

    pool, target = _counts(6)
    dsir = ImportanceResampler(
        FunctionTransformer(),
        n_samples=4,
        importance="classifier",
        density_ratio=DensityRatioEstimator(clip=0.5, normalize=False),
        random_state=0,
    )
    with pytest.warns(OverlapWarning, match="clip=0.5 bounds"):
        dsir.fit(pool, target)
    # every weight is clipped at 0.5 by the given estimator
    assert np.all(dsir.log_weights_ <= np.log(0.5) + 1e-12)
    assert np.any(dsir.log_weights_ < np.log(0.5))


def test_density_ratio_mode_is_reproducible_and_follows_random_state():
    rng = np.random.RandomState(7)
    pool = rng.poisson([2.0, 1.0, 1.0, 2.0], size=(30, 4)).astype(float)
    target = rng.poisson([1.6, 1.2, 1.2, 1.8], size=(20, 4)).astype(float)

    def fit(rs):
        return ImportanceResampler(
            FunctionTransformer(), n_samples=4, importance="classifier", random_state=rs
        ).fit(pool, target)

    a, b, c = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(a.log_weights_, b.log_weights_)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert not np.array_equal(a.log_weights_, c.log_weights_)


def test_default_text_transformer_is_the_documented_hashing_vectorizer():
    pool = ["red apple pie", "green apple", "blue sky today", "red sky"]
    target = ["red apple", "apple pie"]
    dsir = ImportanceResampler(n_samples=2, random_state=0).fit(pool, target)
    params = dsir.transformer_.get_params()
    assert type(dsir.transformer_).__name__ == "HashingVectorizer"
    assert params["n_features"] == 10_000 and params["ngram_range"] == (1, 2)
    assert params["alternate_sign"] is False and params["norm"] is None

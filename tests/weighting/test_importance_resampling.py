import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
)

from skvariance.weighting import DensityRatioEstimator, ImportanceResampler
from skvariance.weighting._importance_resampling import _gumbel_top_k

SPORTS = "match goal team coach player season league score win cup".split()
FINANCE = "market stock bond yield price rate bank fund trade profit".split()
COMMON = "the a of and in on today new said".split()


def _docs(rng, n, vocab):
    words = [
        rng.choice(vocab + COMMON, size=rng.randint(5, 12)).tolist() for _ in range(n)
    ]
    return [" ".join(w) for w in words]


def _text_pool(seed):
    rng = np.random.RandomState(seed)
    pool = _docs(rng, 300, SPORTS) + _docs(rng, 100, FINANCE)
    target = _docs(rng, 50, FINANCE)
    is_finance = np.r_[np.zeros(300, bool), np.ones(100, bool)]
    return pool, target, is_finance


def test_dsir_selection_reduces_kl_to_the_target_versus_uniform():
    pool, target, is_finance = _text_pool(0)
    dsir = ImportanceResampler(n_samples=80, random_state=0).fit(pool, target)
    assert len(set(dsir.sample_indices_.tolist())) == 80
    assert is_finance[dsir.sample_indices_].mean() > 0.9  # 25% in the pool
    assert dsir.kl_selected_ < dsir.kl_random_
    assert dsir.kl_reduction_ == pytest.approx(dsir.kl_random_ - dsir.kl_selected_)
    assert dsir.kl_selected_ < 0.9 * dsir.kl_random_
    selected = dsir.select(pool)
    assert selected == [pool[i] for i in dsir.sample_indices_]


def test_bag_log_weights_match_the_formula():
    pool, target, _ = _text_pool(1)
    dsir = ImportanceResampler(n_samples=0.1, smoothing=0.5, random_state=0)
    dsir.fit(pool, target)
    F_pool = dsir.transformer_.transform(pool).toarray()
    F_target = dsir.transformer_.transform(target).toarray()
    p_t = F_target.sum(0) + 0.5
    p_r = F_pool.sum(0) + 0.5
    expected = F_pool @ (np.log(p_t / p_t.sum()) - np.log(p_r / p_r.sum()))
    np.testing.assert_allclose(dsir.log_weights_, expected)
    assert len(dsir.sample_indices_) == 40  # ceil(0.1 * 400)


def test_gumbel_top_k_draws_proportionally_to_the_weights():
    # k = 1 is one draw with P(i) = w_i / sum w; 3000 seeds, binomial sd 0.009
    log_w = np.array([0.0, np.log(2.0), np.log(3.0), -np.inf])
    rng = np.random.RandomState(0)
    draws = np.array([_gumbel_top_k(log_w, 1, rng)[0] for _ in range(3000)])
    freq = np.bincount(draws, minlength=4) / 3000
    np.testing.assert_allclose(freq, [1 / 6, 2 / 6, 3 / 6, 0.0], atol=0.03)
    # without replacement: a zero-weight row comes only after every other
    assert sorted(_gumbel_top_k(log_w, 3, rng).tolist()) == [0, 1, 2]


def test_tabular_pool_with_a_counting_transformer_and_a_classifier():
    rng = np.random.RandomState(2)
    pool = rng.normal(size=(1000, 2))
    target = rng.normal(loc=[1.0, 0.0], size=(200, 2))
    bins = KBinsDiscretizer(
        n_bins=8, encode="onehot", quantile_method="averaged_inverted_cdf"
    )
    bag = ImportanceResampler(bins, n_samples=200, random_state=0).fit(pool, target)
    assert pool[bag.sample_indices_, 0].mean() > 0.6
    assert bag.kl_reduction_ > 0
    clf = ImportanceResampler(
        StandardScaler(),
        n_samples=200,
        importance="classifier",
        density_ratio=DensityRatioEstimator(LogisticRegression()),
        random_state=0,
    ).fit(pool, target)
    assert pool[clf.sample_indices_, 0].mean() > 0.6
    assert clf.kl_reduction_ is None  # scaled features are not counts


def test_bad_input_is_named():
    pool, target, _ = _text_pool(3)
    with pytest.raises(ValueError, match="X_target is None"):
        ImportanceResampler().fit(pool, None)
    with pytest.raises(ValueError, match="X_target is empty"):
        ImportanceResampler().fit(pool, [])
    with pytest.raises(ValueError, match="more than the 400 rows"):
        ImportanceResampler(n_samples=401).fit(pool, target)
    with pytest.raises(ValueError, match="non-negative count features"):
        ImportanceResampler(StandardScaler()).fit(
            np.random.RandomState(0).normal(size=(20, 2)), np.ones((5, 2))
        )
    with pytest.raises(ValueError, match="NaN"):
        ImportanceResampler(StandardScaler(), importance="classifier").fit(
            np.full((20, 2), np.nan), np.ones((5, 2))
        )
    dsir = ImportanceResampler(n_samples=5, random_state=0).fit(pool, target)
    with pytest.raises(ValueError, match="the pool given to fit had 400"):
        dsir.select(pool[:10])


def test_estimator_conventions():
    pool, target, _ = _text_pool(4)
    est = ImportanceResampler(n_samples=20, random_state=0)
    check_no_attributes_set_in_init("ImportanceResampler", est)
    check_get_params_invariance("ImportanceResampler", est)
    pool_before, params_before = list(pool), repr(est.get_params())
    first = clone(est).fit(pool, target)
    second = clone(est).fit(pool, target)
    np.testing.assert_array_equal(first.sample_indices_, second.sample_indices_)
    other = clone(est).set_params(random_state=1).fit(pool, target)
    assert not np.array_equal(first.sample_indices_, other.sample_indices_)
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(first.sample_indices_, restored.sample_indices_)
    assert pool == pool_before
    assert repr(est.get_params()) == params_before


_NUMBERS = np.random.RandomState(0).normal(size=(12, 2))


@pytest.mark.parametrize(
    "pool, target, match",
    [
        (_NUMBERS, ["stock market"] * 3, r"X_pool must be a 1-d sequence of strings"),
        (_NUMBERS[:, 0], ["stock market"] * 3, "X_pool must hold strings.*float64"),
        (list(_NUMBERS[:, 0]), ["stock market"] * 3, "X_pool must hold strings"),
        (["stock market"] * 3, _NUMBERS, "X_target must be a 1-d sequence of strings"),
        (["stock market"] * 3, _NUMBERS[:, 0], "X_target must hold strings"),
        (["stock market", 3, "bond"], ["bond yield"], "row 1 is a int"),
    ],
)
def test_default_text_transformer_refuses_non_text(pool, target, match):
    # before: AttributeError: 'numpy.float64' object has no attribute 'lower'
    with pytest.raises(TypeError, match=match) as info:
        ImportanceResampler(n_samples=2).fit(pool, target)
    assert "transformer=" in str(info.value)


@pytest.mark.parametrize(
    "pool, target, params, match",
    [
        ([""] * 10, ["stock market"] * 3, {}, "Every row of X_pool has an all-zero"),
        (["stock market", "bond yield"], ["", " "], {}, "X_target has an all-zero"),
        (["stock market"] * 2, ["bond yield"], {}, "X_pool has the same feature"),
        (
            np.tile([1.0, 2.0], (20, 1)),
            np.zeros((5, 2)),
            {"transformer": StandardScaler(), "importance": "classifier"},
            "X_pool has the same feature",
        ),
        (
            np.ones((20, 1)),
            np.zeros((5, 1)),
            {"transformer": StandardScaler(), "importance": "classifier"},
            "X_pool has the same feature",
        ),
    ],
)
def test_uninformative_features_are_refused(pool, target, params, match):
    # before: a pool of empty strings selected a row anyway (all weights 1)
    with pytest.raises(ValueError, match=match):
        ImportanceResampler(n_samples=1, random_state=0, **params).fit(pool, target)


def test_one_empty_row_is_weighted_like_the_formula_says():
    pool, target, _ = _text_pool(5)
    pool = pool[:-1] + [""]
    dsir = ImportanceResampler(n_samples=10, random_state=0).fit(pool, target)
    # no counts: log w = 0, as likely under the target as under the pool
    assert dsir.log_weights_[-1] == 0.0
    assert np.ptp(dsir.log_weights_) > 1.0


def test_default_smoothing_and_the_selection_size_edges():
    pool, target, _ = _text_pool(6)
    # the default smoothing is 1 (Laplace)
    dsir = ImportanceResampler(n_samples=len(pool), random_state=0).fit(pool, target)
    F_pool = dsir.transformer_.transform(pool).toarray()
    F_target = dsir.transformer_.transform(target).toarray()
    p_t, p_r = F_target.sum(0) + 1.0, F_pool.sum(0) + 1.0
    expected = F_pool @ (np.log(p_t / p_t.sum()) - np.log(p_r / p_r.sum()))
    np.testing.assert_allclose(dsir.log_weights_, expected)
    # n_samples equal to the pool: every row, once
    assert sorted(dsir.sample_indices_.tolist()) == list(range(len(pool)))
    # a tiny fraction rounds up to one row, not more
    tiny = ImportanceResampler(n_samples=1e-4, random_state=0).fit(pool, target)
    assert len(tiny.sample_indices_) == 1


def test_sparse_count_pool_and_the_given_density_ratio():
    import scipy.sparse as sp
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.RandomState(7)
    pool = sp.csr_matrix(rng.poisson(1.0, size=(60, 5)).astype(float))
    target = sp.csr_matrix(rng.poisson([3.0, 1, 1, 1, 1], size=(20, 5)).astype(float))
    identity = FunctionTransformer(accept_sparse=True)
    bag = ImportanceResampler(identity, n_samples=10, random_state=0)
    bag.fit(pool, target)
    assert bag.n_pool_ == 60 and len(bag.select(pool).toarray()) == 10
    # importance="classifier": the weights are the given estimator's
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    dre = DensityRatioEstimator(LogisticRegression(C=0.01), cv=cv)
    clf = ImportanceResampler(
        StandardScaler(), importance="classifier", density_ratio=dre, n_samples=5
    ).fit(pool.toarray(), target.toarray())
    scaler = StandardScaler().fit(target.toarray())
    reference = clone(dre).fit(
        scaler.transform(pool.toarray()), scaler.transform(target.toarray())
    )
    np.testing.assert_allclose(clf.log_weights_, np.log(reference.source_weights_))


def test_single_string_and_missing_pool_are_named():
    pool, target, _ = _text_pool(8)
    with pytest.raises(TypeError, match="X_pool must be a sequence of rows"):
        ImportanceResampler().fit("one document", target)
    dsir = ImportanceResampler(n_samples=5, random_state=0).fit(pool, target)
    with pytest.raises(ValueError, match="X_pool is None"):
        dsir.select(None)


def test_dense_count_features_follow_the_bag_formula():
    rng = np.random.RandomState(9)
    pool = rng.normal(size=(200, 1))
    target = rng.normal(loc=1.0, size=(50, 1))
    bins = KBinsDiscretizer(
        n_bins=4, encode="onehot-dense", quantile_method="averaged_inverted_cdf"
    )
    dsir = ImportanceResampler(bins, n_samples=20, random_state=0).fit(pool, target)
    F_pool, F_target = dsir.transformer_.transform(pool), bins.fit_transform(target)
    p_t, p_r = F_target.sum(0) + 1.0, F_pool.sum(0) + 1.0
    expected = F_pool @ (np.log(p_t / p_t.sum()) - np.log(p_r / p_r.sum()))
    np.testing.assert_allclose(dsir.log_weights_, expected)


def test_a_one_row_pool_is_selected():
    dsir = ImportanceResampler(n_samples=1, random_state=0)
    dsir.fit(["stock market rally"], ["bond market"])
    assert dsir.sample_indices_.tolist() == [0]

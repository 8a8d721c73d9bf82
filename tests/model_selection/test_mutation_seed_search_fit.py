"""Mutation tests of SeedSearchCV.fit's body.

References by hand: messages spelled out, seeds drawn from an explicit
RandomState (or a scripted one), fits counted and their threads recorded by
a test double, failing fits scored by hand.
"""

import re
import threading
import warnings

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import make_scorer, r2_score

from skvariance.model_selection import SeedSearchCV
from skvariance.utils import derive_seeds, set_random_state


class _Noisy(RegressorMixin, BaseEstimator):
    """A least-squares line plus seed noise; no sample_weight; counts fits."""

    fits: list = []

    def __init__(self, alpha=1.0, fail=False, random_state=None):
        self.alpha = alpha
        self.fail = fail
        self.random_state = random_state

    def fit(self, X, y):
        _Noisy.fits.append(threading.current_thread().name)
        if self.fail:
            raise ValueError("this candidate fails")
        rng = np.random.RandomState(self.random_state)
        coef = np.linalg.lstsq(X, y, rcond=None)[0] / self.alpha
        self.coef_ = coef + rng.normal(scale=0.1, size=X.shape[1])
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return X @ self.coef_


def _data(n=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    return X, X @ [1.0, -1.0] + 0.3 * rng.normal(size=n)


def _raises(kind, message):
    return pytest.raises(kind, match="^" + re.escape(message) + "$")


GRID = {"alpha": [1.0, 2.0]}


def test_non_finite_y_message_in_full():
    X, y = _data()
    y[2] = np.inf
    with _raises(ValueError, "Input y contains NaN or infinity."):
        SeedSearchCV(_Noisy(), GRID, n_seeds=2, cv=2).fit(X, y)


def test_unseeded_warning_names_seed_search():
    from sklearn.neighbors import KNeighborsRegressor

    X, y = _data()
    msg = (
        "SeedSearchCV: the estimator KNeighborsRegressor has no random_state "
        "parameter (nested or not), so every seed gives the same model: all "
        "n_seeds members (repetitions) will be identical."
    )
    with pytest.warns(UserWarning, match="^" + re.escape(msg) + "$"):
        SeedSearchCV(KNeighborsRegressor(), {"n_neighbors": [3]}, n_seeds=2, cv=2).fit(
            X, y
        )


def test_unusable_sample_weight_is_refused_before_any_fit():
    X, y = _data()
    _Noisy.fits = []
    msg = (
        "estimator _Noisy does not accept sample_weight in fit; choose an "
        "estimator, or a Pipeline whose final step, takes sample_weight, or "
        "enable metadata routing and request it with "
        "set_fit_request(sample_weight=True)."
    )
    with _raises(TypeError, msg):
        SeedSearchCV(_Noisy(), GRID, n_seeds=2, cv=2).fit(
            X, y, sample_weight=np.ones(40)
        )
    assert _Noisy.fits == []


def test_unusable_weights_fail_before_the_unseeded_warning():
    from sklearn.neighbors import KNeighborsRegressor

    X, y = _data()
    search = SeedSearchCV(KNeighborsRegressor(), {"n_neighbors": [3]}, cv=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match="^estimator KNeighborsRegressor does"):
            search.fit(X, y, sample_weight=np.ones(40))
    assert caught == []


def test_with_routing_weights_may_go_to_the_scorer_only():
    X, y = _data()
    w = np.r_[np.full(20, 0.1), np.ones(20)]
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(r2_score).set_score_request(sample_weight=True)
        search = SeedSearchCV(
            _Noisy(), GRID, n_seeds=2, cv=2, scoring=scorer, random_state=0
        ).fit(X, y, sample_weight=w)
    assert np.all(np.isfinite(search.cv_results_["aggregated_test_score"]))


def test_seeds_and_refit_seed_by_hand():
    X, y = _data()
    search = SeedSearchCV(_Noisy(), GRID, n_seeds=3, cv=2, random_state=4).fit(X, y)
    rng = np.random.RandomState(4)
    seeds = derive_seeds(rng, 3)
    refit_state = int(derive_seeds(rng, 1)[0])
    np.testing.assert_array_equal(search.seeds_, seeds)
    refit_seed = derive_seeds(refit_state, 1, exclude=seeds)
    np.testing.assert_array_equal(search.refit_seeds_, refit_seed)
    expected = set_random_state(_Noisy(), int(refit_seed[0])).random_state
    assert search.best_estimator_.random_state == expected
    # an ensemble refit is seeded from the same refit state
    ens = SeedSearchCV(
        _Noisy(), GRID, n_seeds=3, cv=2, refit_n_seeds=2, random_state=4
    ).fit(X, y)
    assert ens.best_estimator_.random_state == refit_state
    np.testing.assert_array_equal(ens.best_estimator_.exclude_seeds, seeds)
    np.testing.assert_array_equal(
        ens.refit_seeds_, derive_seeds(refit_state, 2, exclude=seeds)
    )


class _Scripted(np.random.RandomState):
    """A RandomState whose randint returns the given draws, in order."""

    def __init__(self, draws):
        super().__init__(0)
        self.draws = [np.asarray(d) for d in draws]

    def randint(self, *args, **kwargs):
        return self.draws.pop(0)


def test_refit_seed_skips_a_search_seed_it_collides_with():
    X, y = _data()
    refit_state = 12345
    first, second = np.random.RandomState(refit_state).randint(2**31 - 1, size=2)
    # the search seeds hold the refit state's first draw
    rng = _Scripted([[7, int(first)], [refit_state]])
    search = SeedSearchCV(_Noisy(), GRID, n_seeds=2, cv=2, random_state=rng)
    search.fit(X, y)
    np.testing.assert_array_equal(search.seeds_, [7, first])
    np.testing.assert_array_equal(search.refit_seeds_, [second])


def test_n_jobs_reaches_the_search_and_the_refit_ensemble():
    X, y = _data()
    _Noisy.fits = []
    with parallel_config(backend="threading"):
        search = SeedSearchCV(
            _Noisy(), GRID, n_seeds=2, cv=2, refit_n_seeds=2, n_jobs=2, random_state=0
        ).fit(X, y)
    main = threading.current_thread().name
    assert len(_Noisy.fits) == 2 * 2 * 2 + 2
    assert any(name != main for name in _Noisy.fits[:8])
    assert search.best_estimator_.n_jobs == 2


def test_error_score_and_train_scores_reach_the_search():
    X, y = _data()
    grid = {"fail": [False, True]}
    with pytest.warns(FitFailedWarning):
        search = SeedSearchCV(
            _Noisy(),
            grid,
            n_seeds=2,
            cv=2,
            error_score=-7.0,
            return_train_score=True,
            random_state=0,
        ).fit(X, y)
    res = search.cv_results_
    assert res["aggregated_test_score"][1] == -7.0
    assert res["mean_train_score"][1] == -7.0
    assert search.best_params_ == {"fail": False}
    with pytest.raises(ValueError, match="this candidate fails"):
        SeedSearchCV(_Noisy(), grid, n_seeds=2, cv=2, error_score="raise").fit(X, y)


def test_refit_false_and_callable_refit():
    X, y = _data()
    search = SeedSearchCV(
        _Noisy(), GRID, n_seeds=2, cv=2, refit=False, random_state=0
    ).fit(X, y)
    scores = search.cv_results_["aggregated_test_score"]
    assert search.best_index_ == int(np.argmax(scores))
    assert search.best_score_ == scores[search.best_index_]
    assert not hasattr(search, "best_estimator_")

    def pick_last(results):
        return len(results["params"]) - 1

    search = SeedSearchCV(
        _Noisy(), GRID, n_seeds=2, cv=2, refit=pick_last, random_state=0
    ).fit(X, y)
    assert search.best_index_ == 1
    assert search.best_params_ == {"alpha": 2.0}
    assert not hasattr(search, "best_score_")
    # several metrics, no refit: no best candidate at all
    multi = SeedSearchCV(
        _Noisy(),
        GRID,
        n_seeds=2,
        cv=2,
        scoring=["r2", "neg_mean_squared_error"],
        refit=False,
        random_state=0,
    ).fit(X, y)
    assert not hasattr(multi, "best_index_")
    assert multi.multimetric_ is True
    assert multi.n_splits_ == 2


def test_score_uses_the_search_scorer():
    X, y = _data()
    X_new, y_new = _data(seed=1)
    search = SeedSearchCV(
        _Noisy(), GRID, n_seeds=2, cv=2, scoring="neg_mean_absolute_error"
    ).set_params(random_state=0)
    search.fit(X, y)
    mae = np.mean(np.abs(search.best_estimator_.predict(X_new) - y_new))
    assert search.score(X_new, y_new) == pytest.approx(-mae, rel=1e-12)

"""The fast paths of the seeding helpers give what the slow paths give.

``derive_seeds(int)`` reseeds one scratch ``RandomState`` per thread instead
of building one, and ``random_state_params`` / ``set_random_state`` walk plain
estimators' parameters from a per-class cache of their names instead of
``get_params(deep=True)`` / ``set_params`` (signature inspection on every
call). References here are the slow paths written out: a fresh
``np.random.RandomState(seed)`` and scikit-learn's own ``get_params`` /
``set_params``.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.decomposition import PCA
from sklearn.ensemble import BaggingRegressor, RandomForestClassifier, StackingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeRegressor

from skvariance.calibration import ConformalRegressor
from skvariance.utils._seeds import (
    MAX_SEED,
    derive_seeds,
    random_state_params,
    set_random_state,
)


def _reference_names(estimator):
    params = estimator.get_params(deep=True)
    return sorted(
        k for k in params if k == "random_state" or k.endswith("__random_state")
    )


def _reference_set(estimator, seed):
    names = _reference_names(estimator)
    if names:
        draws = np.random.RandomState(seed).randint(MAX_SEED, size=len(names))
        estimator.set_params(**{n: int(s) for n, s in zip(names, draws.tolist())})
    return estimator


class _HiddenState(RegressorMixin, BaseEstimator):
    """get_params overridden: hides ``random_state`` and adds a nested key."""

    def __init__(self, random_state=None, inner=None):
        self.random_state = random_state
        self.inner = inner

    def get_params(self, deep=True):
        return {"inner": self.inner, "extra__random_state": 1}

    def set_params(self, **params):
        self.seen_ = dict(params)
        return self


class _GetOnly(RegressorMixin, BaseEstimator):
    """Only get_params overridden (as BaseConformal does): it hides the seed."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def get_params(self, deep=True):
        return {}


class _Recorder(RegressorMixin, BaseEstimator):
    """set_params overridden with a side effect the fast path must not skip."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def set_params(self, **params):
        self.calls_ = getattr(self, "calls_", 0) + 1
        return super().set_params(**params)


class _ClassParam(RegressorMixin, BaseEstimator):
    """A parameter holding an estimator *class* (which has get_params)."""

    def __init__(self, kind=Ridge, random_state=None):
        self.kind = kind
        self.random_state = random_state


class _OwnNames(RegressorMixin, BaseEstimator):
    """_get_param_names overridden: only ``alpha`` is a parameter."""

    def __init__(self, alpha=1.0, random_state=None):
        self.alpha = alpha
        self.random_state = random_state

    @classmethod
    def _get_param_names(cls):
        return ["alpha"]


ESTIMATORS = [
    Ridge(),
    LogisticRegression(),
    PCA(),
    make_pipeline(PCA(), RandomForestClassifier()),
    StackingRegressor(
        [("a", Ridge()), ("b", DecisionTreeRegressor())],
        final_estimator=BaggingRegressor(DecisionTreeRegressor()),
    ),
    GridSearchCV(make_pipeline(PCA(), Ridge()), {"ridge__alpha": [1.0]}),
    ConformalRegressor(make_pipeline(PCA(), Ridge()), random_state=3),
    BaggingRegressor(ConformalRegressor(DecisionTreeRegressor())),
    _ClassParam(),
    _ClassParam(kind=Ridge()),
    _OwnNames(),
    BaggingRegressor(_OwnNames()),
    BaggingRegressor(_ClassParam(kind=PCA())),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_random_state_params_match_get_params(estimator):
    assert random_state_params(estimator) == _reference_names(estimator)
    # a second call (cached names) gives the same
    assert random_state_params(estimator) == _reference_names(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1, np.int64(12)])
def test_set_random_state_matches_set_params(estimator, seed):
    fast = set_random_state(clone(estimator), seed)
    slow = _reference_set(clone(estimator), seed)
    got = {k: v for k, v in fast.get_params(deep=True).items() if "random_state" in k}
    want = {k: v for k, v in slow.get_params(deep=True).items() if "random_state" in k}
    assert got == want
    # every other parameter untouched
    rest = lambda e: {  # noqa: E731
        k: repr(v)
        for k, v in e.get_params(deep=True).items()
        if "random_state" not in k
    }
    assert rest(fast) == rest(slow)


def test_overridden_get_and_set_params_are_used():
    est = _HiddenState(inner=Ridge())
    # what get_params says, not what the constructor holds
    assert random_state_params(est) == ["extra__random_state"]
    set_random_state(est, 0)
    assert est.seen_ == {"extra__random_state": int(derive_seeds(0, 1)[0])}
    assert est.random_state is None
    nested = BaggingRegressor(_Recorder())
    set_random_state(nested, 0)
    assert nested.estimator.calls_ == 1  # the component's own set_params ran
    assert isinstance(nested.estimator.random_state, int)
    own = _Recorder()
    set_random_state(own, 3)
    assert own.calls_ == 1


def test_get_params_override_alone_is_used():
    assert random_state_params(_GetOnly()) == []
    assert random_state_params(BaggingRegressor(_GetOnly())) == ["random_state"]
    est = set_random_state(_GetOnly(), 0)
    assert est.random_state is None


def test_class_valued_parameter_is_not_expanded():
    est = _ClassParam()
    assert random_state_params(est) == ["random_state"]
    set_random_state(est, 0)
    assert est.kind is Ridge and Ridge().random_state is None


@pytest.mark.parametrize("n_seeds", [0, 1, 5, 200])
def test_derive_seeds_int_matches_fresh_random_state(n_seeds):
    # the scratch generator is reused across seeds: each call must reseed it
    for seed in [0, 1, 0, 2**32 - 1, np.uint32(5), True, 123456789, 0]:
        want = derive_seeds(np.random.RandomState(seed), n_seeds)
        assert np.array_equal(derive_seeds(seed, n_seeds), want)
    # a RandomState argument is advanced, the scratch one never leaks out
    rng = np.random.RandomState(4)
    first = derive_seeds(rng, 3)
    derive_seeds(9, 3)
    ref = np.random.RandomState(4)
    ref.randint(MAX_SEED, size=3)
    assert np.array_equal(derive_seeds(rng, 3), derive_seeds(ref, 3))
    assert not np.array_equal(first, derive_seeds(rng, 3))


def test_derive_seeds_excludes_like_the_slow_path():
    a = derive_seeds(0, 5)
    assert np.array_equal(
        derive_seeds(0, 5, exclude=a),
        derive_seeds(np.random.RandomState(0), 5, exclude=a),
    )


@pytest.mark.parametrize("seed", [-1, 2**32, np.int64(-3)])
def test_derive_seeds_bad_seed_raises_like_random_state(seed):
    with pytest.raises(ValueError) as slow:
        np.random.RandomState(seed)
    with pytest.raises(ValueError) as fast:
        derive_seeds(seed, 2)
    assert str(fast.value) == str(slow.value)
    # and the scratch generator still works afterwards
    assert np.array_equal(derive_seeds(3, 4), derive_seeds(np.random.RandomState(3), 4))


def test_derive_seeds_threads_do_not_share_a_stream():
    seeds = list(range(40))
    want = {s: derive_seeds(np.random.RandomState(s), 50) for s in seeds}
    errors = []
    barrier = threading.Barrier(4)

    def work(offset):
        barrier.wait()
        for _ in range(50):
            for s in seeds[offset::4]:
                if not np.array_equal(derive_seeds(s, 50), want[s]):
                    errors.append(s)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# -- passthrough_X: a 2-d ndarray skips validate_data's dataframe detection --
class _Sub(np.ndarray):
    """An ndarray subclass: the same data through the slow (general) path."""


def _passthrough_outcome(make_estimator, X, reset):
    import warnings

    from skvariance.utils.validation import passthrough_X

    estimator = make_estimator()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out, error = passthrough_X(estimator, X, reset=reset), None
        except Exception as exc:  # any error: compared below
            out, error = None, (type(exc), str(exc))
    state = {
        name: repr(getattr(estimator, name, "absent"))
        for name in ("n_features_in_", "feature_names_in_")
    }
    warned = [(w.category, str(w.message)) for w in caught]
    return out, error, warned, state


def _fitted_on(X):
    def make():
        est = Ridge()
        from skvariance.utils.validation import passthrough_X

        passthrough_X(est, X, reset=True)
        return est

    return make


def _frame(n_features):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(np.ones((4, n_features)), columns=list("abcd")[:n_features])


PASSTHROUGH_CASES = {
    "fresh_fit": (Ridge, np.ones((5, 3)), True),
    "refit_after_frame_drops_names": (
        lambda: _fitted_on(_frame(3))(),
        np.ones((5, 3)),
        True,
    ),
    "predict_same_width": (
        lambda: _fitted_on(np.ones((4, 3)))(),
        np.ones((5, 3)),
        False,
    ),
    "predict_wrong_width": (
        lambda: _fitted_on(np.ones((4, 3)))(),
        np.ones((5, 4)),
        False,
    ),
    "predict_array_after_frame_warns": (
        lambda: _fitted_on(_frame(3))(),
        np.ones((5, 3)),
        False,
    ),
    "predict_array_wrong_width_after_frame": (
        lambda: _fitted_on(_frame(3))(),
        np.ones((5, 2)),
        False,
    ),
    "predict_unfitted": (Ridge, np.ones((5, 3)), False),
    "one_d": (Ridge, np.ones(5), True),
    "three_d": (Ridge, np.ones((5, 2, 2)), True),
    "no_columns": (Ridge, np.ones((5, 0)), True),
    "fortran": (Ridge, np.asfortranarray(np.ones((5, 3))), True),
}


@pytest.mark.parametrize("case", sorted(PASSTHROUGH_CASES))
def test_passthrough_X_array_fast_path_matches_general_path(case):
    make, X, reset = PASSTHROUGH_CASES[case]
    fast = _passthrough_outcome(make, X, reset)
    slow = _passthrough_outcome(make, X.view(_Sub), reset)
    assert fast[1:] == slow[1:]
    if slow[0] is not None:
        assert fast[0] is X  # untouched, not copied
        assert np.array_equal(np.asarray(fast[0]), np.asarray(slow[0]))
    if case in ("predict_wrong_width", "predict_array_wrong_width_after_frame"):
        assert slow[1] is not None and slow[1][0] is ValueError
    if case == "predict_array_after_frame_warns":
        assert len(slow[2]) == 1 and "feature names" in slow[2][0][1]
    if case == "refit_after_frame_drops_names":
        assert slow[3]["feature_names_in_"] == "'absent'"


def test_conformal_regressor_array_path_keeps_feature_checks():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, 2.0, 3.0] + rng.normal(size=60)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    reg = ConformalRegressor(Ridge(), random_state=0).fit(frame, y)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        reg.predict_interval(X[:5])
    reg.fit(X, y)  # refit on an array: the names of the frame are dropped
    assert not hasattr(reg, "feature_names_in_") and reg.n_features_in_ == 3
    with pytest.raises(ValueError, match="X has 2 features, but ConformalRegressor"):
        reg.predict_interval(X[:5, :2])
    with pytest.warns(UserWarning, match="X has feature names, but"):
        reg.predict_interval(frame.iloc[:5])

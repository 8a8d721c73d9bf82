import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.ensemble import BaggingClassifier, RandomForestClassifier
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from skvariance.utils import derive_seeds, random_state_params, set_random_state


def test_derive_seeds_reproducible_distinct_and_in_range():
    a = derive_seeds(42, 1000)
    b = derive_seeds(42, 1000)
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) == 1000
    assert a.min() >= 0 and a.max() < 2**31 - 1
    assert a.dtype == np.int64


def test_derive_seeds_advances_a_random_state():
    rng = np.random.RandomState(0)
    first, second = derive_seeds(rng, 3), derive_seeds(rng, 3)
    assert not np.array_equal(first, second)


def test_derive_seeds_exclude():
    tuning = derive_seeds(0, 50)
    fresh = derive_seeds(0, 50, exclude=tuning)
    assert not set(tuning.tolist()) & set(fresh.tolist())


@pytest.mark.parametrize(
    "bad, error", [(-1, ValueError), (2.0, TypeError), (True, TypeError)]
)
def test_derive_seeds_bad_n_seeds(bad, error):
    with pytest.raises(error, match="n_seeds"):
        derive_seeds(0, bad)


def test_nested_random_states_found_in_pipelines_meta_and_samplers():
    est = make_imb_pipeline(
        PCA(),
        RandomOverSampler(),
        BaggingClassifier(DecisionTreeClassifier()),
    )
    assert random_state_params(est) == [
        "baggingclassifier__estimator__random_state",
        "baggingclassifier__random_state",
        "pca__random_state",
        "randomoversampler__random_state",
    ]


def test_set_random_state_sets_every_nested_seed_without_touching_original():
    pipe = make_pipeline(PCA(), BaggingClassifier(RandomForestClassifier()))
    member = set_random_state(clone(pipe), 7)
    params = member.get_params()
    seeds = [params[name] for name in random_state_params(member)]
    assert all(isinstance(s, int) for s in seeds)
    assert len(set(seeds)) == len(seeds)  # no two components share a stream
    assert all(pipe.get_params()[n] is None for n in random_state_params(pipe))
    again = set_random_state(clone(pipe), 7).get_params()
    assert all(again[n] == params[n] for n in random_state_params(member))


def test_set_random_state_without_any_random_state_is_a_no_op():
    est = LinearRegression()
    assert random_state_params(est) == []
    assert set_random_state(est, 0) is est

"""skvariance.get_config / set_config / config_context."""

import threading

import numpy as np
import pytest

import skvariance
from skvariance.resampling import SMOTE, clear_neighbors_cache, neighbors_cache_info

DEFAULTS = {
    "neighbors_cache": True,
    "neighbors_cache_max_bytes": 128 * 2**20,
    "neighbors_cache_max_entries": 16,
    "max_threads": -1,
}


def test_defaults_and_get_config_returns_a_copy():
    assert skvariance.get_config() == DEFAULTS
    config = skvariance.get_config()
    config["neighbors_cache"] = False
    assert skvariance.get_config()["neighbors_cache"] is True


def test_set_config_and_context_restore_on_exit_and_on_error():
    skvariance.set_config(neighbors_cache_max_entries=3)
    try:
        assert skvariance.get_config()["neighbors_cache_max_entries"] == 3
        with pytest.raises(RuntimeError):
            with skvariance.config_context(neighbors_cache=False):
                assert skvariance.get_config()["neighbors_cache"] is False
                assert skvariance.get_config()["neighbors_cache_max_entries"] == 3
                raise RuntimeError
        assert skvariance.get_config()["neighbors_cache"] is True
    finally:
        skvariance.set_config(neighbors_cache_max_entries=16)
    assert skvariance.get_config() == DEFAULTS


def test_config_is_thread_local():
    seen = {}

    def worker():
        seen["start"] = skvariance.get_config()["neighbors_cache"]
        skvariance.set_config(neighbors_cache=False)
        seen["end"] = skvariance.get_config()["neighbors_cache"]

    with skvariance.config_context(neighbors_cache_max_bytes=1024):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert skvariance.get_config()["neighbors_cache_max_bytes"] == 1024
    assert seen == {"start": True, "end": False}
    assert skvariance.get_config()["neighbors_cache"] is True


@pytest.mark.parametrize(
    "params, match",
    [
        ({"neighbors_cache": 1}, "neighbors_cache must be True or False"),
        ({"neighbors_cache_max_bytes": -1}, "neighbors_cache_max_bytes must be"),
        ({"neighbors_cache_max_entries": 2.5}, "neighbors_cache_max_entries must"),
        ({"neighbors_cache_max_bytes": True}, "neighbors_cache_max_bytes must be"),
    ],
)
def test_bad_values_are_rejected(params, match):
    with pytest.raises(ValueError, match=match):
        skvariance.set_config(**params)
    assert skvariance.get_config() == DEFAULTS


def test_the_config_controls_the_samplers_cache():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    y = np.array([0] * 150 + [1] * 50)
    clear_neighbors_cache()
    with skvariance.config_context(neighbors_cache=False):
        SMOTE(random_state=0).fit_resample(X, y)
    assert neighbors_cache_info()["entries"] == 0
    with skvariance.config_context(neighbors_cache_max_bytes=0):
        SMOTE(random_state=0).fit_resample(X, y)
    assert neighbors_cache_info()["entries"] == 0  # nothing fits in 0 bytes
    first = SMOTE(random_state=0).fit_resample(X, y)
    second = SMOTE(random_state=0).fit_resample(X, y)
    info = neighbors_cache_info()
    assert info["entries"] == 1 and info["hits"] == 1
    assert info["bytes"] == 50 * 5 * 4  # one int32 graph of the minority
    np.testing.assert_array_equal(first[0], second[0])
    clear_neighbors_cache()
    assert neighbors_cache_info()["entries"] == 0

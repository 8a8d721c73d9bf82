import pytest

import skvariance
from skvariance.utils.discovery import all_displays, all_estimators, all_functions


def test_all_estimators_filters():
    everything = all_estimators()
    for kind in ("classifier", "regressor", "transformer", "cluster", "sampler"):
        subset = all_estimators(type_filter=kind)
        assert set(subset) <= set(everything)
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators(type_filter="bogus")


def test_functions_and_displays_are_public_skvariance_objects():
    for name, obj in all_functions() + all_displays():
        assert not name.startswith("_")
        assert obj.__module__.startswith("skvariance")


def test_version_and_show_versions(capsys):
    assert isinstance(skvariance.__version__, str)
    skvariance.show_versions()
    out = capsys.readouterr().out
    assert "sklearn" in out and "numba" in out

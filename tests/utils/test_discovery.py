import pytest

import skvariance
from skvariance.utils.discovery import all_displays, all_estimators, all_functions

_KINDS = ("classifier", "regressor", "transformer", "cluster", "sampler")

#: Estimators that exist today and the kinds each one must (and must only) be
#: listed under. Other families' estimators may be added freely; these may
#: not disappear or change kind.
_ANCHORS = {
    "SeedEnsembleClassifier": {"classifier"},
    "SeedEnsembleRegressor": {"regressor"},
    "SeedSearchCV": set(),
    "ResampledClassifier": {"classifier"},
    "SMOTE": {"sampler"},
    "SMOTENC": {"sampler"},
    "SMOTER": {"sampler"},
}


def test_all_estimators_lists_each_public_estimator_once_sorted():
    everything = all_estimators()
    names = [name for name, _ in everything]
    assert names == sorted(set(names))
    for name, cls in everything:
        assert cls.__name__ == name
        assert not name.startswith("_")
        assert cls.__module__.startswith("skvariance.")
    assert set(_ANCHORS) <= set(names)


def test_seed_family_estimators_are_exactly_the_public_ones():
    """Private helpers (the search behind SeedSearchCV) are not listed."""
    seed_family = {
        name
        for name, cls in all_estimators()
        if cls.__module__.startswith(
            ("skvariance.ensemble", "skvariance.model_selection")
        )
    }
    assert seed_family == {
        "SeedEnsembleClassifier",
        "SeedEnsembleRegressor",
        "SeedSearchCV",
    }


@pytest.mark.parametrize("kind", _KINDS)
def test_type_filter_puts_each_estimator_under_its_kinds(kind):
    listed = {name for name, _ in all_estimators(type_filter=kind)}
    for name, kinds in _ANCHORS.items():
        assert (name in listed) == (kind in kinds), (name, kind)


def test_type_filter_list_is_the_union_and_bad_filter_raises():
    both = all_estimators(type_filter=["classifier", "sampler"])
    expected = sorted(
        set(all_estimators(type_filter="classifier"))
        | set(all_estimators(type_filter="sampler"))
    )
    assert both == expected
    assert {"SMOTE", "SeedEnsembleClassifier"} <= {name for name, _ in both}
    assert "SeedEnsembleRegressor" not in {name for name, _ in both}
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators(type_filter="bogus")


def test_all_displays_and_functions_hold_known_members():
    displays = dict(all_displays())
    assert "SeedVarianceDisplay" in displays
    assert all(name.endswith("Display") for name in displays)
    functions = dict(all_functions())
    for name in (
        "seed_cross_validate",
        "variance_components",
        "variance_components_ci",
        "derive_seeds",
        "set_random_state",
        "warn_if_unseeded",
    ):
        assert name in functions, name
    assert "_seeded_candidates" not in functions


def test_functions_and_displays_are_public_skvariance_objects():
    for name, obj in all_functions() + all_displays():
        assert not name.startswith("_")
        assert obj.__module__.startswith("skvariance")


def test_version_and_show_versions(capsys):
    assert isinstance(skvariance.__version__, str)
    skvariance.show_versions()
    out = capsys.readouterr().out
    assert "sklearn" in out and "numba" in out

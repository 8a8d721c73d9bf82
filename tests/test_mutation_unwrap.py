"""The mutation-only transform in tools/mutation_unwrap.py keeps behaviour."""

import functools
import importlib.util
import pathlib

import pytest

PATH = pathlib.Path(__file__).parents[1] / "tools" / "mutation_unwrap.py"
spec = importlib.util.spec_from_file_location("mutation_unwrap", PATH)
mutation_unwrap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mutation_unwrap)

SOURCE = '''
import functools

def tag(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        CALLS.append(func.__name__)
        return func(*args, **kwargs)
    return wrapper

CALLS = []

class Model:
    @tag
    def fit(self, X, y=None, *extra, scale=2, **params):
        """Docstring kept on the wrapper."""
        self.total_ = (sum(X) + len(extra)) * scale + params.get("shift", 0)
        return self

    @property
    def size(self):
        return 1

@tag
def compute(a, /, b, *, c=3):
    return a * b + c
'''


def _load(source):
    namespace = {}
    exec(compile(source, "<test>", "exec"), namespace)
    return namespace


def test_unwrapped_functions_behave_and_keep_decorators_and_docstrings():
    new, count = mutation_unwrap.unwrap(SOURCE)
    assert count == 2  # fit and compute; the property is left alone
    assert "def _mut_fit(self, X, y=None, *extra, scale=2, **params):" in new
    assert "return self._mut_fit(X, y, *extra, scale=scale, **params)" in new
    assert "return _mut_compute(a, b, c=c)" in new
    old_ns, new_ns = _load(SOURCE), _load(new)
    for ns in (old_ns, new_ns):
        model = ns["Model"]().fit([1, 2], None, "e", scale=3, shift=1)
        assert model.total_ == (3 + 1) * 3 + 1
        assert ns["compute"](2, 5, c=1) == 11
        assert ns["CALLS"] == ["fit", "compute"]  # the decorator still runs
        assert ns["Model"].fit.__doc__ == "Docstring kept on the wrapper."
        assert ns["Model"]().size == 1
    assert "_mut_fit" not in old_ns["Model"].__dict__
    assert "_mut_fit" in new_ns["Model"].__dict__


def test_names_restrict_the_unwrapped_functions():
    new, count = mutation_unwrap.unwrap(SOURCE, {"compute"})
    assert count == 1 and "_mut_fit" not in new and "_mut_compute" in new


@pytest.mark.parametrize("unused", [functools])
def test_undecorated_source_is_unchanged(unused):
    source = "def f(x):\n    return x + 1\n"
    assert mutation_unwrap.unwrap(source) == (source, 0)

"""The kernel signatures the xdist controller compiles before its workers
start (``KERNEL_SIGNATURES`` in ``tests/conftest.py``) are still current."""

import importlib.util
from pathlib import Path

import numba
import pytest


def _conftest():
    path = Path(__file__).with_name("conftest.py")
    spec = importlib.util.spec_from_file_location("_tests_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conftest = _conftest()


def test_type_codes():
    from numba.core import types

    assert conftest.numba_type("f8[2]") == types.float64[:, ::1]
    assert conftest.numba_type("i4[1]") == types.int32[::1]
    assert conftest.numba_type("f4[2]") == types.float32[:, ::1]
    assert conftest.numba_type("i8[3]") == types.int64[:, :, ::1]
    assert conftest.numba_type("b1") == types.boolean
    assert conftest.numba_type("u8") == types.uint64


@pytest.mark.parametrize(
    "qualname, signature",
    conftest.KERNEL_SIGNATURES,
    ids=[name for name, _ in conftest.KERNEL_SIGNATURES],
)
def test_every_listed_signature_compiles(qualname, signature):
    # a stale entry (a kernel renamed, its arguments changed) would be
    # skipped by the warm-up and leave the workers to compile it twice
    compiled = conftest.compile_kernel(qualname, signature)
    assert compiled is not None
    module, name = qualname.split(".")
    kernel = getattr(importlib.import_module(f"skvariance._kernels.{module}"), name)
    dispatcher = getattr(kernel, "dispatcher", kernel)
    assert isinstance(dispatcher, numba.core.registry.CPUDispatcher)
    types = tuple(conftest.numba_type(t) for t in signature.split())
    assert types in dispatcher.overloads

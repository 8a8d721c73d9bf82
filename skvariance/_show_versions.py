"""``skvariance.show_versions()``: what a bug report needs to say."""

import importlib
import platform
import sys

_DEPENDENCIES = [
    "skvariance",
    "sklearn",
    "numpy",
    "scipy",
    "imblearn",
    "joblib",
    "numba",
    "llvmlite",
    "pandas",
    "matplotlib",
    "dask",
    "distributed",
]


def _get_versions():
    versions = {}
    for name in _DEPENDENCIES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            versions[name] = None
        else:
            versions[name] = getattr(module, "__version__", "unknown")
    return versions


def show_versions():
    """Print the Python, platform and dependency versions.

    Examples
    --------
    >>> import skvariance
    >>> skvariance.show_versions()  # doctest: +SKIP
    """
    print("\nSystem:")
    print(f"    python: {sys.version}")
    print(f"   machine: {platform.platform()}")
    print("\nPython dependencies:")
    for name, version in _get_versions().items():
        print(f"{name:>12}: {version}")

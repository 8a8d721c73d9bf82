"""Sphinx configuration for skvariance's documentation."""

import os
import sys
from pathlib import Path

import threadpoolctl

import skvariance

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sphinxext"))

project = "skvariance"
author = "The skvariance developers"
copyright = "2026, The skvariance developers"
release = skvariance.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.doctest",
    "numpydoc",
    # after numpydoc: its docstring template compiled once, not per object
    "numpydoc_template_cache",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
    "api_reference",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "sg_execution_times.rst"]
default_role = "literal"
root_doc = "index"

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Every cross-reference must resolve: a broken one is a warning, and the
# build runs with -W.
nitpicky = True

# Links to the documentation of the packages skvariance builds on. Their
# inventories are fetched only when reachable (checked in parallel, 3 s at
# most), so the offline build needs no network and stays warning-free;
# SKVARIANCE_DOCS_INTERSPHINX=0 skips the check.
_INVENTORIES = {
    # name: (documentation URL, the top-level module its names live in)
    "python": ("https://docs.python.org/3/", None),
    "sklearn": ("https://scikit-learn.org/stable/", "sklearn"),
    "imblearn": ("https://imbalanced-learn.org/stable/", "imblearn"),
    "joblib": ("https://joblib.readthedocs.io/en/stable/", "joblib"),
    "numpy": ("https://numpy.org/doc/stable/", "numpy"),
    "scipy": ("https://docs.scipy.org/doc/scipy/", "scipy"),
    "pandas": ("https://pandas.pydata.org/docs/", "pandas"),
    "matplotlib": ("https://matplotlib.org/stable/", "matplotlib"),
    "statsmodels": ("https://www.statsmodels.org/stable/", "statsmodels"),
}


def _reachable(url, timeout=3.0):
    import urllib.request

    try:
        with urllib.request.urlopen(url + "objects.inv", timeout=timeout) as reply:
            return reply.status == 200
    except Exception:  # offline, DNS failure, timeout, HTTP error
        return False


def _online_inventories():
    if os.environ.get("SKVARIANCE_DOCS_INTERSPHINX", "1") == "0":
        return set()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(_INVENTORIES)) as pool:
        found = pool.map(_reachable, [url for url, _ in _INVENTORIES.values()])
    return {name for name, ok in zip(_INVENTORIES, found) if ok}


_online = _online_inventories()
intersphinx_mapping = {name: (_INVENTORIES[name][0], None) for name in _online}
intersphinx_timeout = 10

# Names of a package whose inventory could not be fetched have no target in
# this build; without an inventory they cannot be checked, so they alone are
# exempt (with the inventory, a wrong name there is an error too).
nitpick_ignore_regex = [
    (r"py:.*", rf"{module}(\..*)?")
    for name, (_, module) in _INVENTORIES.items()
    if module is not None and name not in _online
]
if "python" not in _online:
    # builtins and the standard library (``ValueError``, ``warnings.warn``,
    # ``collections.abc.Callable`` in annotations): Python's own
    # documentation is their only target
    import builtins

    _stdlib = sorted(sys.stdlib_module_names)
    nitpick_ignore_regex += [
        (r"py:.*", "|".join(n for n in dir(builtins) if not n.startswith("_"))),
        (r"py:.*", rf"({'|'.join(_stdlib)})(\..*)?"),
    ]

# the landing page's snippet runs at build time and shows its figure
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {"savefig.bbox": "tight"}

html_theme = "pydata_sphinx_theme"
html_title = f"skvariance {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []
# The ~200 API pages get a section navigation of their own, by subpackage
# (doc/sphinxext/api_reference.py): the theme's lists all of them on each.
html_sidebars = {"generated/*": ["sidebar-collapse.html", "api-nav.html"]}

# The gallery runs in this process. One OpenMP thread for the compiled
# scikit-learn estimators (HistGradientBoosting...): on a busy machine their
# threads spin-wait for each other, and one 5,000-row fit took 5 s of CPU
# instead of 0.13 s (plot_upsample_or_upweight.py: minutes instead of 10 s).
# (the variable for the OpenMP runtimes loaded later and for joblib's
# worker processes, threadpoolctl for those already loaded)
os.environ.setdefault("OMP_NUM_THREADS", "1")
threadpoolctl.threadpool_limits(limits=1, user_api="openmp")

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "reference_url": {"skvariance": None},
    "doc_module": ("skvariance",),
    "backreferences_dir": "generated/backreferences",
    "show_memory": False,
    # the examples are independent scripts: run two at a time (CI has 2 cores)
    "parallel": 2,
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document only what skvariance defines.

    Members inherited from scikit-learn (``score``, ``set_params``, the
    ``set_*_request`` metadata-routing methods...) are documented by
    scikit-learn and refer to its glossary, which is not part of this build.
    """
    if what != "class":
        return None
    func = getattr(obj, "__func__", obj)
    module = getattr(func, "__module__", None) or ""
    if not module.startswith("skvariance"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)

"""Sphinx configuration for skvariance's documentation."""

import os
import sys
from pathlib import Path

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

# The package has no internet at build time: intersphinx inventories are only
# used when reachable and never make the build fail.
intersphinx_mapping = {}
if os.environ.get("SKVARIANCE_DOCS_INTERSPHINX"):
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable/", None),
        "sklearn": ("https://scikit-learn.org/stable/", None),
    }

html_theme = "pydata_sphinx_theme"
html_title = f"skvariance {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []

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

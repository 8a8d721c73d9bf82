"""Write ``api.rst`` from the public names of every skvariance subpackage.

The API reference is generated, never hand-maintained: each subpackage's
``__all__`` is the list of what is public, so a new estimator or function
appears in the reference as soon as it is exported.

It also gives the ~200 pages of ``generated/`` a light section navigation
(``_templates/api-nav.html``, set in ``html_sidebars``): every subpackage,
linked to its section of the API index, with the names of the current
page's subpackage listed. The theme's own sidebar lists all ~200 pages on
each of them: building and writing it cost about 6 s of CPU per build.
"""

from importlib import import_module
from pathlib import Path

SUBPACKAGES = [
    ("skvariance.ensemble", "Repeated-seed ensembles"),
    ("skvariance.model_selection", "Seed-aware model selection and comparison"),
    ("skvariance.evaluation", "Evaluation statistics"),
    ("skvariance.resampling", "Resampling for class imbalance"),
    ("skvariance.weighting", "Inverse-variance and importance weighting"),
    ("skvariance.quantile", "Quantile regression and aggregation"),
    ("skvariance.calibration", "Conformal calibration"),
    ("skvariance.metrics", "Interval and quantile metrics"),
    ("skvariance.plotting", "Plotting"),
    ("skvariance.datasets", "Data generators"),
    ("skvariance.utils", "Utilities"),
    ("skvariance.utils.crossfit", "Fold construction and cross-fitting"),
    ("skvariance.utils.metadata", "Metadata and sample weights"),
    ("skvariance.utils.stats", "Shared statistics"),
    ("skvariance.utils.validation", "Input validation"),
    ("skvariance.utils.parallel", "Reproducible parallel fits"),
    ("skvariance.utils.discovery", "Discovery"),
]

# the names of the top-level package, listed first
TOP_LEVEL = ["show_versions", "get_config", "set_config", "config_context"]

HEADER = """\
.. This file is written by doc/sphinxext/api_reference.py; do not edit.

.. _api:

=============
API reference
=============

Every public name of skvariance, by subpackage. Import them from the
subpackage shown, for example ``from skvariance.utils import derive_seeds``.

.. autosummary::
   :toctree: generated/
   :nosignatures:

"""


def _public_names(module_name: str) -> list[str]:
    return sorted(getattr(import_module(module_name), "__all__", []))


def _section(module_name: str, title: str) -> str:
    module = import_module(module_name)
    names = _public_names(module_name)
    summary = (module.__doc__ or "").strip().split("\n\n")[0]
    lines = [title, "=" * len(title), "", f".. module:: {module_name}", ""]
    lines += [summary, ""]
    if not names:
        lines += [
            "No public names yet: this family is specified in the design and "
            "is still being built.",
            "",
        ]
        return "\n".join(lines)
    lines += [
        f".. currentmodule:: {module_name}",
        "",
        ".. autosummary::",
        "   :toctree: generated/",
        "   :nosignatures:",
        "",
    ]
    lines += [f"   {name}" for name in names]
    lines.append("")
    return "\n".join(lines)


def write_api(app, config=None):
    text = HEADER + "".join(f"   skvariance.{name}\n" for name in TOP_LEVEL)
    text += "\n" + "\n".join(_section(m, t) for m, t in SUBPACKAGES)
    target = Path(app.srcdir) / "api.rst"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


def _api_nav(page: str) -> list[dict]:
    """The sections of the API index; the one that lists ``page`` open."""
    sections = [("skvariance", "Configuration and versions", TOP_LEVEL)]
    sections += [(m, t, _public_names(m)) for m, t in SUBPACKAGES]
    nav = []
    for module_name, title, names in sections:
        pages = [f"generated/{module_name}.{name}" for name in names]
        nav.append(
            {
                "title": title,
                "anchor": "api-reference"
                if module_name == "skvariance"
                else f"module-{module_name}",
                "current": page in pages,
                "pages": [(p, f"{module_name}.{n}") for p, n in zip(pages, names)],
            }
        )
    return nav


def add_api_nav(app, pagename, templatename, context, doctree):
    if pagename.startswith("generated/"):
        context["api_nav"] = _api_nav(pagename)


def setup(app):
    # at config time, before Sphinx lists the source files and before
    # autosummary generates its stubs
    app.connect("config-inited", write_api)
    app.connect("html-page-context", add_api_nav)
    return {"parallel_read_safe": True}

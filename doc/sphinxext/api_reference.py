"""Write ``api.rst`` from the public names of every skvariance subpackage.

The API reference is generated, never hand-maintained: each subpackage's
``__all__`` is the list of what is public, so a new estimator or function
appears in the reference as soon as it is exported.
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

   skvariance.show_versions
   skvariance.get_config
   skvariance.set_config
   skvariance.config_context
"""


def _section(module_name: str, title: str) -> str:
    module = import_module(module_name)
    names = sorted(getattr(module, "__all__", []))
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
    text = HEADER + "\n" + "\n".join(_section(m, t) for m, t in SUBPACKAGES)
    target = Path(app.srcdir) / "api.rst"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


def setup(app):
    # at config time, before Sphinx lists the source files and before
    # autosummary generates its stubs
    app.connect("config-inited", write_api)
    return {"parallel_read_safe": True}

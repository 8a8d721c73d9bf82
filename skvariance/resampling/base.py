"""Shared parameter constraints and docstring fragments of the SMOTE family.

As in imbalanced-learn, every sampler of :mod:`skvariance.resampling` builds
its ``_parameter_constraints`` from the dicts here and its docstring from the
fragments, so one parameter is described and validated the same way
everywhere.
"""

from imblearn.over_sampling.base import BaseOverSampler

from ..utils._sklearn_compat import Integral, Interval

__all__ = [
    "BaseOverSampler",
    "K_NEIGHBORS_DOC",
    "N_JOBS_DOC",
    "RANDOM_STATE_DOC",
    "SAMPLING_STRATEGY_DOC",
    "SMOTE_CONSTRAINTS",
    "fill_doc",
]

#: Constraints shared by SMOTE, SMOTENC (and, without ``sampling_strategy``,
#: SMOTER).
SMOTE_CONSTRAINTS: dict = {
    **BaseOverSampler._parameter_constraints,
    "k_neighbors": [Interval(Integral, 1, None, closed="left")],
    "n_jobs": [Integral, None],
}

SAMPLING_STRATEGY_DOC = BaseOverSampler._sampling_strategy_docstring

RANDOM_STATE_DOC = """random_state : int, RandomState instance or None, default=None
        Seeds the one ``RandomState`` drawn from in each ``fit_resample``
        (base rows, neighbours, steps and tie-breaks are all drawn from it,
        with NumPy, and passed to the compiled kernels). Pass an int for
        reproducible output; the result does not depend on ``n_jobs``."""

K_NEIGHBORS_DOC = """k_neighbors : int, default=5
        Number of nearest neighbours, within the class and excluding the row
        itself, among which the partner of each synthetic row is drawn. The
        search is exact; ties are broken by the lower row index. Every
        resampled class needs at least ``k_neighbors + 1`` rows."""

N_JOBS_DOC = """n_jobs : int, default=None
        Threads for the neighbour search. ``None`` uses every core, as
        scikit-learn's OpenMP-based neighbour search does; negative values
        count back from the number of cores. The output does not depend on
        it."""


def fill_doc(cls):
    """Put the shared parameter fragments into ``cls``'s docstring; returns it.

    Placeholders a docstring does not use are ignored, so every sampler of the
    family calls this the same way.
    """
    cls.__doc__ = cls.__doc__.format(
        sampling_strategy=SAMPLING_STRATEGY_DOC,
        random_state=RANDOM_STATE_DOC,
        k_neighbors=K_NEIGHBORS_DOC,
        n_jobs=N_JOBS_DOC,
    )
    return cls

"""Fitting inside :class:`sklearn.utils.parallel.Parallel`, reproducibly.

A Dask worker receives arrays deserialized into buffers of arbitrary memory
alignment -- not even aligned to their dtype (a float64 array starting 27
bytes past a 64-byte boundary was observed). Numerical code takes different
paths (and so different summation orders) for such data, so the same fit of
scikit-learn's ``LogisticRegression`` differed in the last bit between
``n_jobs=1`` and a Dask cluster.
:func:`fit_estimator` gives the estimator 64-byte aligned arrays on every
backend, so that results are identical for any ``n_jobs`` and backend.

Warnings of many fits, once
---------------------------
A loop of 50 fits that each raise the same ``ConvergenceWarning`` should say
so once, with the count, and a warning raised in a loky or Dask worker
should reach the caller at all (a worker's warnings are otherwise printed
in the worker, or lost). :func:`delayed` and :class:`Parallel` replace
scikit-learn's pair of the same names for loops of fits: every task records
the warnings raised while it runs (all of them, whatever the filters in the
worker) and returns them with its result; :class:`Parallel` returns the
results alone and re-emits each distinct (category, message) once in the
caller, as ``"<message> (raised in 50 of 50 fits; shown once)"``, with the
original category, file and line, so that the caller's warning filters
(``"ignore"``, ``"error"``, ``pytest.warns``) apply to it as to the
original. Inside a task of an enclosing :class:`Parallel` the message is
passed up unchanged and counted by the outer loop.
"""

from __future__ import annotations

import sys
import threading
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.utils.parallel import Parallel as _SkParallel
from sklearn.utils.parallel import delayed as _sk_delayed

__all__ = [
    "Parallel",
    "aligned",
    "check_verbose",
    "delayed",
    "emit_collected",
    "fit_estimator",
    "report",
]

ALIGNMENT = 64


def aligned(X, alignment: int = ALIGNMENT):
    """``X`` itself unless it is a misaligned numeric array; then an aligned copy.

    The copy keeps the dtype, shape and memory order (C or Fortran).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12.0).reshape(3, 4)
    >>> Y = aligned(X[:, 1:])
    >>> Y.ctypes.data % 64, bool(np.array_equal(Y, X[:, 1:]))
    (0, True)
    """
    if not isinstance(X, np.ndarray) or X.size == 0 or X.dtype.hasobject:
        return X  # object arrays hold references: nothing for BLAS to misread
    contiguous = X.flags.c_contiguous or X.flags.f_contiguous
    if contiguous and X.ctypes.data % alignment == 0:
        return X
    buffer = np.empty(X.nbytes + alignment, dtype=np.uint8)
    offset = (-buffer.ctypes.data) % alignment
    flat = buffer[offset : offset + X.nbytes].view(X.dtype)
    if X.flags.f_contiguous and not X.flags.c_contiguous:
        out = flat.reshape(X.shape[::-1]).T
    else:
        out = flat.reshape(X.shape)
    out[...] = X
    return out


def fit_estimator(estimator, X, y=None, **fit_params):
    """``estimator.fit(X, y, **fit_params)`` on aligned arrays; returns the estimator.

    Use it as the function run by ``Parallel``, so that a worker of any
    backend fits on data laid out like the caller's.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> fit_estimator(LinearRegression(), X, X[:, 0]).coef_.shape
    (2,)
    """
    return estimator.fit(aligned(X), aligned(y), **fit_params)


# -- warnings of many fits, collected ---------------------------------------------
# One process-wide hook (not a ``catch_warnings`` per task): the warnings
# module's state is global, so tasks running in threads (joblib's threading
# backend, a Dask worker with several threads) entering and leaving their own
# ``catch_warnings`` would restore each other's state in the wrong order and
# could leave the process recording forever. The hook is installed by the
# first running task and removed by the last; each warning goes to the log
# of the task running in the thread that raised it. Before Python 3.14 the
# warnings state cannot be made thread-safe from here (scikit-learn's own
# per-task ``catch_warnings`` may restore a stale state under another
# thread): with threads a warning can then escape the count, never a result.
_lock = threading.RLock()
_local = threading.local()
_hook: dict = {"active": 0, "context": None, "showwarning": None}


def _dispatch(message, category, filename, lineno, file=None, line=None):
    logs = getattr(_local, "logs", None)
    if logs:
        logs[-1].append((category, str(message), filename, lineno))
        return
    # a thread outside any task (the caller of a threaded Parallel)
    show = _hook["showwarning"] or warnings._showwarning_orig
    show(message, category, filename, lineno, file, line)


def _start_recording() -> list:
    with _lock:
        if _hook["active"] == 0:
            context = warnings.catch_warnings()
            context.__enter__()
            _hook["showwarning"] = context._showwarning
            warnings.simplefilter("always")
            warnings.showwarning = _dispatch
            _hook["context"] = context
        elif warnings.showwarning is not _dispatch:
            # another thread's catch_warnings (scikit-learn's per-task
            # wrapper) restored its own state under a running task
            warnings.showwarning = _dispatch
        _hook["active"] += 1
    log: list = []
    if getattr(_local, "logs", None) is None:
        _local.logs = []
    _local.logs.append(log)
    return log


def _stop_recording() -> None:
    _local.logs.pop()
    with _lock:
        _hook["active"] -= 1
        if _hook["active"] == 0:
            context, _hook["context"] = _hook["context"], None
            context.__exit__(None, None, None)


def _recording_now() -> bool:
    return bool(getattr(_local, "logs", None))


@dataclass(frozen=True)
class _Recorded:
    """A task's result and the warnings ``(category, text, file, line)`` it raised."""

    result: object
    records: tuple


class _Recording:
    """``function`` whose calls return :class:`_Recorded` (picklable)."""

    # not ``function``: scikit-learn's wrapper copies this ``__dict__`` onto
    # itself (``functools.update_wrapper``), which would replace its own
    __slots__ = ("task",)

    def __init__(self, task):
        self.task = task

    def __call__(self, *args, **kwargs):
        log = _start_recording()
        try:
            result = self.task(*args, **kwargs)
        finally:
            _stop_recording()
        return _Recorded(result, tuple(log))


def delayed(function):
    """scikit-learn's ``delayed`` for a task whose warnings are collected.

    Use it with :class:`Parallel` (of this module): the task records every
    warning raised while it runs and :class:`Parallel` re-emits them once.

    Parameters
    ----------
    function : callable
        The task, typically one fit.

    Returns
    -------
    delayed_function : callable
        ``delayed_function(*args, **kwargs)`` is a task for :class:`Parallel`.

    Examples
    --------
    >>> import warnings
    >>> from skvariance.utils.parallel import Parallel, delayed
    >>> def fit(i):
    ...     warnings.warn("did not converge", UserWarning)
    ...     return i
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     out = Parallel(n_jobs=1)(delayed(fit)(i) for i in range(3))
    >>> out, [str(w.message) for w in caught]
    ([0, 1, 2], ['did not converge (raised in 3 of 3 fits; shown once)'])
    """
    return _sk_delayed(_Recording(function))


def _module_name(filename):
    """The module a warning's file is, for filters on ``module``."""
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) == filename:
            return name
    # what warn_explicit does for module=None (None itself drops the warning)
    name = filename or "<unknown>"
    return name[:-3] if name.lower().endswith(".py") else name


def _warning(category, text):
    try:
        message = category(text)
    except Exception:  # a category whose constructor needs other arguments
        message = category.__new__(category)
        message.args = (text,)
    return message


def emit_collected(records, *, what="fits") -> None:
    """Re-emit the warnings recorded by several tasks, each distinct one once.

    Parameters
    ----------
    records : list of sequences of (category, text, filename, lineno)
        The warnings of each task.
    what : str, default="fits"
        What a task is, in the message.

    Notes
    -----
    A (category, text) raised by ``k`` of ``n > 1`` tasks is emitted once as
    ``"<text> (raised in k of n fits; shown once)"`` (``"(raised in 1 of n
    fits)"`` for ``k = 1``), with the category, file and line of its first
    occurrence, through :func:`warnings.warn_explicit` and so through the
    caller's filters. With one task, or inside a task of an enclosing
    :class:`Parallel` (which counts it), the text is unchanged.
    """
    n_tasks = len(records)
    counts: dict = {}
    first: dict = {}
    for task in records:
        for key in dict.fromkeys((category, text) for category, text, *_ in task):
            counts[key] = counts.get(key, 0) + 1
        for category, text, filename, lineno in task:
            first.setdefault((category, text), (filename, lineno))
    nested = _recording_now()
    for (category, text), count in counts.items():
        filename, lineno = first[(category, text)]
        if n_tasks > 1 and not nested:
            tail = "; shown once" if count > 1 else ""
            text = f"{text} (raised in {count} of {n_tasks} {what}{tail})"
        # no registry: every catch_warnings (each task's, scikit-learn's
        # per-task wrapper) resets Python's registries, so the "default"
        # action shows the message once per call
        warnings.warn_explicit(
            _warning(category, text),
            category,
            filename,
            lineno,
            module=_module_name(filename),
            registry=None,
        )


class Parallel(_SkParallel):
    """scikit-learn's ``Parallel`` that re-emits the tasks' warnings once each.

    Tasks made with :func:`delayed` (of this module) record their warnings
    in the worker; this returns their results, as scikit-learn's
    ``Parallel`` does, and re-emits every distinct warning once with the
    number of tasks that raised it (:func:`emit_collected`). Tasks made
    with scikit-learn's ``delayed`` are run as usual. ``verbose`` prints
    joblib's progress messages.

    Parameters
    ----------
    *args, **kwargs
        As :class:`sklearn.utils.parallel.Parallel` (``n_jobs``,
        ``verbose``...); ``return_as`` must stay ``"list"``.
    records : list or None, default=None
        When given, each task's warnings are appended to it instead of being
        emitted, so that a caller running several batches of the same fits
        emits them once at the end (:func:`emit_collected`).

    Examples
    --------
    >>> from skvariance.utils.parallel import Parallel, delayed
    >>> Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(3))
    [0, 1, 2]
    """

    def __init__(self, *args, records=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = records

    def __call__(self, iterable):
        out = super().__call__(iterable)
        records = [o.records for o in out if isinstance(o, _Recorded)]
        results = [o.result if isinstance(o, _Recorded) else o for o in out]
        if self.records is not None:
            self.records.extend(records)
        elif any(records):
            emit_collected(records)
        return results


# -- progress ------------------------------------------------------------------------
def check_verbose(verbose) -> int:
    """``verbose`` as an int >= 0 (scikit-learn's convention), else an error.

    Examples
    --------
    >>> check_verbose(2)
    2
    """
    if isinstance(verbose, bool) or not isinstance(verbose, Integral):
        raise TypeError(f"verbose must be an int >= 0, got {verbose!r}.")
    if verbose < 0:
        raise ValueError(f"verbose must be an int >= 0, got {verbose}.")
    return int(verbose)


def report(verbose: int, owner: str, message: str) -> None:
    """Print ``"[owner] message"`` when ``verbose > 0`` (a stage of long work).

    The fits themselves report through joblib (``Parallel(verbose=...)``).

    Examples
    --------
    >>> report(1, "seed_cross_validate", "50 fits (10 seeds x 5 splits)")
    [seed_cross_validate] 50 fits (10 seeds x 5 splits)
    >>> report(0, "seed_cross_validate", "nothing printed")
    """
    if verbose > 0:
        print(f"[{owner}] {message}", flush=True)

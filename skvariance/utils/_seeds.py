"""Seeds: derive integer seeds and set every nested ``random_state``."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

#: Seeds are drawn from [0, MAX_SEED), the range every scikit-learn and NumPy
#: consumer accepts (``np.random.RandomState`` takes 32-bit unsigned seeds).
MAX_SEED = np.iinfo(np.int32).max

#: one reseeded RandomState per thread for derive_seeds(int): building a
#: RandomState costs ~50 times more than reseeding one (its MT19937 first
#: draws OS entropy and hashes it into 624 words, which the legacy int
#: seeding then overwrites), and the draws are the same
_SCRATCH = threading.local()


def _seeded_random_state(seed) -> np.random.RandomState:
    """``np.random.RandomState(seed)``'s stream for an int ``seed``, reused.

    The object is this thread's scratch generator, reseeded: use its draws at
    once, never keep it or hand it to other code (the next call reseeds it).
    Invalid seeds raise NumPy's own ``ValueError``, as the constructor does.
    """
    rng = getattr(_SCRATCH, "rng", None)
    if rng is None:
        rng = _SCRATCH.rng = np.random.RandomState(seed)
    else:
        rng.seed(seed)
    return rng


def scratch_random_state(random_state) -> np.random.RandomState:
    """``check_random_state(random_state)`` for one burst of draws.

    For an int, this thread's scratch generator reseeded: the stream of
    ``np.random.RandomState(random_state)`` without building one (which costs
    ~50 times more, see ``_SCRATCH``); anything else goes through
    ``check_random_state``. Finish drawing before any other code runs (it may
    reseed the scratch generator, as :func:`derive_seeds` and
    :func:`set_random_state` with an int do), and never keep the object.

    Examples
    --------
    >>> import numpy as np
    >>> draws = scratch_random_state(0).permutation(5)
    >>> bool((draws == np.random.RandomState(0).permutation(5)).all())
    True
    """
    if isinstance(random_state, Integral):
        return _seeded_random_state(random_state)
    return check_random_state(random_state)


def derive_seeds(
    random_state: None | int | np.random.RandomState,
    n_seeds: int,
    *,
    exclude: Iterable[int] = (),
) -> np.ndarray:
    """Draw ``n_seeds`` distinct integer seeds from ``random_state``.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        Source of the seeds. An int gives the same seeds on every call; a
        ``RandomState`` is advanced. ``None`` draws from NumPy's global
        generator, as everywhere in scikit-learn, and is therefore not
        reproducible.
    n_seeds : int
        How many seeds to draw (>= 0).
    exclude : iterable of int, default=()
        Seeds that must not be returned, for example those already used for
        tuning when refitting on fresh seeds.

    Returns
    -------
    seeds : ndarray of shape (n_seeds,), dtype=int64
        Distinct seeds in ``[0, 2**31 - 1)``, none of them in ``exclude``.

    Examples
    --------
    >>> from skvariance.utils import derive_seeds
    >>> derive_seeds(0, 3)
    array([209652396, 398764591, 924231285])
    >>> a = derive_seeds(0, 5)
    >>> b = derive_seeds(0, 5, exclude=a)
    >>> bool(set(a.tolist()) & set(b.tolist()))
    False
    """
    if isinstance(n_seeds, bool) or not isinstance(n_seeds, (int, np.integer)):
        raise TypeError(f"n_seeds must be an int, got {type(n_seeds).__name__}.")
    if n_seeds < 0:
        raise ValueError(f"n_seeds must be >= 0, got {n_seeds}.")
    if isinstance(random_state, Integral):
        # no user code runs between the reseeding and the last draw below
        rng = _seeded_random_state(random_state)
    else:
        rng = check_random_state(random_state)
    taken = {int(s) for s in exclude}
    seeds: list[int] = []
    # Rejection keeps the seeds distinct; collisions are ~n^2 / 2^32 rare, so
    # the loop almost never draws more than once.
    while len(seeds) < n_seeds:
        draw = rng.randint(MAX_SEED, size=n_seeds - len(seeds))
        for s in draw.tolist():
            if s not in taken:
                taken.add(s)
                seeds.append(s)
    return np.asarray(seeds, dtype=np.int64)


def random_state_params(estimator) -> list[str]:
    """Names of every (nested) ``random_state`` parameter of ``estimator``.

    Parameters
    ----------
    estimator : estimator object
        Any object with scikit-learn's ``get_params``: a plain estimator, a
        ``Pipeline``, a meta-estimator or an imbalanced-learn sampler.

    Returns
    -------
    names : list of str
        Sorted parameter names such as ``"random_state"`` or
        ``"clf__estimator__random_state"``.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> pipe = make_pipeline(PCA(), RandomForestClassifier())
    >>> random_state_params(pipe)
    ['pca__random_state', 'randomforestclassifier__random_state']
    """
    return sorted(_random_state_names(estimator, "", deep_call=True))


#: constructor parameter names per class (what BaseEstimator._get_param_names
#: finds by inspecting the signature on every call)
_PARAM_NAMES: dict = {}


def _plain_param_names(estimator):
    """The parameter names of an estimator using BaseEstimator's get/set_params.

    ``None`` for any other object (a Pipeline, a meta-estimator overriding
    ``get_params``, a non-scikit-learn object): those are asked through their
    own ``get_params``.
    """
    cls = type(estimator)
    names_of = getattr(cls, "_get_param_names", None)
    if (
        getattr(cls, "get_params", None) is not BaseEstimator.get_params
        or getattr(cls, "set_params", None) is not BaseEstimator.set_params
        or getattr(names_of, "__func__", None)
        is not BaseEstimator._get_param_names.__func__
    ):
        return None
    key = (cls, cls.__init__)
    names = _PARAM_NAMES.get(key)
    if names is None:
        names = _PARAM_NAMES[key] = tuple(names_of())
    return names


def _random_state_names(estimator, prefix, *, deep_call=False):
    """The ``random_state`` keys of ``estimator.get_params(deep=True)``.

    Walks the parameters as :meth:`sklearn.base.BaseEstimator.get_params`
    does (a value with ``get_params`` that is not a class is expanded with
    ``value.get_params()``), without its signature inspection for plain
    estimators; any other object is asked through its own ``get_params``.
    """
    names = _plain_param_names(estimator)
    if names is None:
        params = (
            estimator.get_params(deep=True) if deep_call else estimator.get_params()
        )
        return [
            prefix + key
            for key in params
            if key == "random_state" or key.endswith("__random_state")
        ]
    out = []
    for key in names:
        value = getattr(estimator, key)
        if hasattr(value, "get_params") and not isinstance(value, type):
            out.extend(_random_state_names(value, prefix + key + "__"))
        if key == "random_state":
            out.append(prefix + key)
    return out


def _set_params(estimator, params):
    """``estimator.set_params(**params)`` for keys taken from its get_params.

    A plain estimator (BaseEstimator's ``set_params``) gets its own keys by
    ``setattr`` and its nested ones through the component, as
    ``set_params`` does, without re-reading every parameter by signature
    inspection first; anything else through its own ``set_params``.
    """
    if _plain_param_names(estimator) is None:
        estimator.set_params(**params)
        return
    nested: dict = {}
    for key, value in params.items():
        head, delim, sub_key = key.partition("__")
        if delim:
            nested.setdefault(head, {})[sub_key] = value
        else:
            setattr(estimator, key, value)
    for head, sub_params in nested.items():
        _set_params(getattr(estimator, head), sub_params)


def set_random_state(estimator, random_state=None):
    """Set every nested ``random_state`` of ``estimator`` to a derived seed.

    Every parameter named ``random_state`` or ending in ``__random_state`` --
    in Pipeline steps, inside meta-estimators, in samplers -- receives its own
    integer seed. The seeds are drawn from ``random_state`` in the sorted order
    of the parameter names, so the same ``random_state`` gives the same seeds
    whatever the construction order, and two nested components never share a
    stream by accident.

    The estimator is modified in place and returned: pass a ``clone``.

    Parameters
    ----------
    estimator : estimator object
        The (cloned) estimator whose parameters are set.
    random_state : None, int or numpy.random.RandomState
        Source of the seeds.

    Returns
    -------
    estimator : estimator object
        The same object, for chaining.

    See Also
    --------
    derive_seeds : draw the integer seeds themselves.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> pipe = make_pipeline(PCA(), RandomForestClassifier())
    >>> member = set_random_state(clone(pipe), 0)
    >>> member.get_params()["pca__random_state"]
    209652396
    >>> member.get_params()["randomforestclassifier__random_state"]
    398764591
    """
    names = random_state_params(estimator)
    if names:
        seeds = derive_seeds(random_state, len(names))
        _set_params(estimator, {n: int(s) for n, s in zip(names, seeds)})
    return estimator


def warn_if_unseeded(estimator, owner: str, *, stacklevel: int = 3) -> bool:
    """Warn when ``estimator`` has no ``random_state`` anywhere.

    Repeating such an estimator over seeds gives the same model every time,
    which only costs time (and makes a seed variance of exactly zero look
    like a finding). Every function or meta-estimator that repeats a user's
    estimator over seeds calls this once, before fitting.

    Parameters
    ----------
    estimator : estimator object
        The estimator about to be repeated over seeds.
    owner : str
        Name of the caller, used at the start of the message.
    stacklevel : int, default=3
        Passed to :func:`warnings.warn`; 3 points at the caller's caller.

    Returns
    -------
    warned : bool
        Whether a ``UserWarning`` was issued.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> warn_if_unseeded(DecisionTreeRegressor(), "example")
    False
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_unseeded(LinearRegression(), "example")
    True
    >>> "identical" in str(caught[0].message)
    True
    """
    if random_state_params(estimator):
        return False
    warnings.warn(
        f"{owner}: the estimator {type(estimator).__name__} has no "
        "random_state parameter (nested or not), so every seed gives the "
        "same model: all n_seeds members (repetitions) will be identical.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return True

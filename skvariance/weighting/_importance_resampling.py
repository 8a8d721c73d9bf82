"""Data selection by importance resampling (DSIR)."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import check_random_state

from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    _safe_indexing,
    check_is_fitted,
)
from ._density_ratio import DensityRatioEstimator

__all__ = ["ImportanceResampler"]


def _gumbel_top_k(log_weights, k, rng):
    """Indices of ``k`` draws without replacement with probability ∝ exp(log w).

    Adding independent standard Gumbel noise to the log-weights and keeping
    the ``k`` largest keys is exactly successive sampling without replacement
    proportional to the weights. Rows with weight 0 (log -inf) come last.
    """
    keys = log_weights + rng.gumbel(size=log_weights.shape[0])
    return np.argsort(-keys, kind="stable")[:k]


def _distribution(counts, smoothing):
    counts = np.asarray(counts, dtype=float).ravel() + smoothing
    return counts / counts.sum()


def _kl(p, q):
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def _column_sums(F, rows=None):
    if rows is not None:
        F = F[rows]
    return np.asarray(F.sum(axis=0)).ravel()


class ImportanceResampler(BaseEstimator):
    """Select rows of a raw pool that look like a target sample (DSIR).

    Importance weights :math:`w(x) = \\hat p_{target}(x) / \\hat p_{pool}(x)`
    are estimated in a cheap feature space given by ``transformer`` (hashed
    word uni- and bi-grams for text by default, any transformer for tables),
    and ``n_samples`` rows are drawn from the pool **without replacement**
    with probability proportional to :math:`w` (Gumbel top-k on
    :math:`\\log w`), seeded by ``random_state``.

    Parameters
    ----------
    transformer : transformer, default=None
        Maps raw rows to features; fitted on the target sample. ``None``: a
        :class:`~sklearn.feature_extraction.text.HashingVectorizer` counting
        word unigrams and bigrams in 10,000 buckets (the feature space of the
        DSIR paper), for a pool of strings. For tables, a
        :class:`~sklearn.preprocessing.KBinsDiscretizer` (one-hot) gives
        counts too; any transformer works with ``importance="classifier"``.
    n_samples : int or float, default=0.1
        How many rows to select: an int, or a fraction of the pool in (0, 1]
        (rounded up).
    importance : {"bag", "classifier"}, default="bag"
        ``"bag"`` (DSIR): each distribution is a multinomial over the
        feature buckets, with bucket probabilities from the smoothed column
        sums, and :math:`\\log w(x) = \\sum_j f_j(x) (\\log p_{t,j} - \\log
        p_{r,j})`; the features must be non-negative counts.
        ``"classifier"``: ``density_ratio`` estimates the ratio in the feature
        space (dense features).
    smoothing : float, default=1.0
        Additive (Laplace) smoothing of the bucket counts, for ``"bag"`` and
        for the KL diagnostic.
    density_ratio : DensityRatioEstimator, default=None
        For ``importance="classifier"``; ``None`` uses
        ``DensityRatioEstimator()``. Its cross-fitted ``source_weights_`` of
        the pool rows are the weights (not normalised to the pool size, which
        does not change the selection).
    random_state : int, RandomState instance or None, default=None
        Seeds the Gumbel noise (and the density-ratio estimator's folds).

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_selected,)
        Indices of the selected pool rows, in the order they were drawn.
    log_weights_ : ndarray of shape (n_pool,)
        :math:`\\log w` of every pool row (``-inf`` for weight 0).
    transformer_ : transformer
        The fitted feature map.
    kl_selected_, kl_random_, kl_reduction_ : float or None
        KL divergence from the target's smoothed bucket distribution to that
        of the selected rows, and to that of a uniformly random subset of the
        same size (drawn from the same ``random_state``), and their
        difference (positive: the selection is closer to the target). The
        DSIR paper found this KL reduction to track downstream quality.
        ``None`` when the features are not non-negative counts.
    n_pool_ : int
        Rows in the pool.

    See Also
    --------
    DensityRatioEstimator : importance weights for reweighting, not selection.

    Notes
    -----
    ``fit(X_pool, X_target)`` takes two unlabelled samples; :meth:`select`
    returns the selected rows of the same pool. Nothing about the pool is
    dropped or reordered other than by the selection itself.

    Input is checked before anything is fitted: with the default text
    transformer both samples must be 1-d sequences of strings (a
    ``TypeError`` names the sample and the first non-string row otherwise).
    Features that carry no information raise a ``ValueError`` rather than
    select arbitrary rows: with ``importance="bag"``, a sample whose rows all
    have zero counts (e.g. only empty strings); with either importance, a
    pool whose rows all have the same features. A single pool row with zero
    counts is legitimate: its bag weight is 1 (it is as likely under the
    target as under the pool).

    References
    ----------
    .. [1] Xie, S. M., Santurkar, S., Ma, T. and Liang, P. "Data Selection
       for Language Models via Importance Resampling", NeurIPS 2023.
    .. [2] Kool, W., van Hoof, H. and Welling, M. "Stochastic Beams and Where
       to Find Them: The Gumbel-Top-k Trick for Sampling Sequences Without
       Replacement", ICML 2019.

    Examples
    --------
    >>> from skvariance.weighting import ImportanceResampler
    >>> pool = ["the cat sat", "stocks fell sharply", "a dog ran",
    ...         "bond yields rose", "the bird sang", "markets rallied"]
    >>> target = ["stocks and bonds rallied", "yields fell as markets rose"]
    >>> dsir = ImportanceResampler(n_samples=3, random_state=0).fit(pool, target)
    >>> len(dsir.select(pool))
    3
    >>> [pool[i] for i in dsir.log_weights_.argsort()[::-1][:3]]
    ['markets rallied', 'bond yields rose', 'stocks fell sharply']
    """

    _parameter_constraints: dict = {
        "transformer": [HasMethods(["fit", "transform"]), None],
        "n_samples": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "importance": [StrOptions({"bag", "classifier"})],
        "smoothing": [Interval(Real, 0, None, closed="neither")],
        "density_ratio": [HasMethods(["fit", "predict"]), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        transformer=None,
        *,
        n_samples=0.1,
        importance: str = "bag",
        smoothing: float = 1.0,
        density_ratio=None,
        random_state=None,
    ):
        self.transformer = transformer
        self.n_samples = n_samples
        self.importance = importance
        self.smoothing = smoothing
        self.density_ratio = density_ratio
        self.random_state = random_state

    def _n_select(self, n_pool):
        if isinstance(self.n_samples, (Integral, np.integer)):
            k = int(self.n_samples)
            if k > n_pool:
                raise ValueError(
                    f"n_samples={k} is more than the {n_pool} rows of X_pool "
                    "(selection is without replacement)."
                )
            return k
        return max(1, math.ceil(self.n_samples * n_pool))

    @staticmethod
    def _check_sample(X, name):
        if X is None:
            raise ValueError(
                f"{name} is None: importance resampling needs a pool and a target "
                "sample, fit(X_pool, X_target)."
            )
        if isinstance(X, str):
            raise TypeError(f"{name} must be a sequence of rows, got a single str.")
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        if n == 0:
            raise ValueError(f"{name} is empty; it needs at least one row.")
        return n

    @staticmethod
    def _check_text(X, name):
        """The default text transformer needs a 1-d sequence of strings."""
        if hasattr(X, "shape") and len(X.shape) != 1:
            raise TypeError(
                f"{name} must be a 1-d sequence of strings for the default text "
                f"transformer (HashingVectorizer), got an array of shape "
                f"{X.shape}. Pass transformer=... (e.g. a KBinsDiscretizer) for "
                "tabular rows."
            )
        for i, row in enumerate(X):
            if not isinstance(row, (str, bytes)):
                raise TypeError(
                    f"{name} must hold strings for the default text transformer "
                    f"(HashingVectorizer), but row {i} is a "
                    f"{type(row).__name__} ({row!r}). Pass transformer=... "
                    "(e.g. a KBinsDiscretizer) for numeric rows."
                )

    @staticmethod
    def _check_features(F, name):
        values = F.data if sp.issparse(F) else np.asarray(F)
        if not np.all(np.isfinite(values)):
            raise ValueError(
                f"The features of {name} contain NaN or infinity; clean the rows "
                "or choose a transformer that handles them."
            )

    def _check_informative(self, F_pool, F_target, name):
        """Refuse features that cannot tell any pool row from another."""
        for F, sample in ((F_pool, "X_pool"), (F_target, "X_target")):
            nonzero = F.count_nonzero() if sp.issparse(F) else np.count_nonzero(F)
            if self.importance == "bag" and nonzero == 0:
                raise ValueError(
                    f"Every row of {sample} has an all-zero feature vector under "
                    f"the {name} (e.g. empty strings): the counts carry no "
                    "information, and any selection would be arbitrary."
                )
        if sp.issparse(F_pool):
            spread = (F_pool.max(axis=0) - F_pool.min(axis=0)).toarray()
        else:
            spread = np.ptp(np.asarray(F_pool, dtype=float), axis=0)
        if F_pool.shape[0] > 1 and not np.any(spread):
            raise ValueError(
                f"Every row of X_pool has the same feature vector under the "
                f"{name}: the features cannot tell the rows apart, and any "
                "selection would be arbitrary."
            )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X_pool, X_target):
        """Estimate the importance weights of the pool and select rows.

        Parameters
        ----------
        X_pool : sequence of rows (list of str, array-like, DataFrame)
            The raw pool to select from.
        X_target : sequence of rows of the same kind
            A sample of the distribution to match.

        Returns
        -------
        self : ImportanceResampler
            The fitted resampler.
        """
        n_pool = self._check_sample(X_pool, "X_pool")
        self._check_sample(X_target, "X_target")
        k = self._n_select(n_pool)
        if self.transformer is None:
            self._check_text(X_pool, "X_pool")
            self._check_text(X_target, "X_target")
        rng = check_random_state(self.random_state)
        transformer = (
            HashingVectorizer(
                n_features=10_000,
                ngram_range=(1, 2),
                alternate_sign=False,
                norm=None,
            )
            if self.transformer is None
            else clone(self.transformer)
        )
        name = type(transformer).__name__
        try:
            self.transformer_ = transformer.fit(X_target)
            F_target = self.transformer_.transform(X_target)
        except ValueError as exc:
            raise ValueError(
                f"X_target could not be transformed by the {name}: {exc}"
            ) from exc
        try:
            F_pool = self.transformer_.transform(X_pool)
        except ValueError as exc:
            raise ValueError(
                f"X_pool could not be transformed by the {name} fitted on "
                f"X_target: {exc}"
            ) from exc
        self._check_features(F_pool, "X_pool")
        self._check_features(F_target, "X_target")
        nonnegative = all(
            (F.data if sp.issparse(F) else np.asarray(F)).min(initial=0.0) >= 0
            for F in (F_pool, F_target)
        )
        if self.importance == "bag" and not nonnegative:
            raise ValueError(
                "importance='bag' needs non-negative count features; the "
                "transformer gives negative values. Use a counting "
                "transformer or importance='classifier'."
            )
        self._check_informative(F_pool, F_target, name)
        if self.importance == "bag":
            p_target = _distribution(_column_sums(F_target), self.smoothing)
            p_pool = _distribution(_column_sums(F_pool), self.smoothing)
            log_ratio = np.log(p_target) - np.log(p_pool)
            log_w = np.asarray(F_pool @ log_ratio, dtype=float).ravel()
        else:
            dre = (
                DensityRatioEstimator()
                if self.density_ratio is None
                else clone(self.density_ratio)
            )
            if "random_state" in dre.get_params():
                dre.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
            dense = [F.toarray() if sp.issparse(F) else F for F in (F_pool, F_target)]
            weights = dre.fit(*dense).source_weights_
            with np.errstate(divide="ignore"):
                log_w = np.log(weights)
        self.log_weights_ = log_w
        self.n_pool_ = n_pool
        self.sample_indices_ = _gumbel_top_k(log_w, k, rng)
        if nonnegative:
            random_rows = rng.choice(n_pool, size=k, replace=False)
            p_t = _distribution(_column_sums(F_target), self.smoothing)
            self.kl_selected_ = _kl(
                p_t,
                _distribution(
                    _column_sums(F_pool, self.sample_indices_), self.smoothing
                ),
            )
            self.kl_random_ = _kl(
                p_t, _distribution(_column_sums(F_pool, random_rows), self.smoothing)
            )
            self.kl_reduction_ = self.kl_random_ - self.kl_selected_
        else:
            self.kl_selected_ = self.kl_random_ = self.kl_reduction_ = None
        return self

    def select(self, X_pool):
        """The selected rows of the pool given to :meth:`fit`.

        Parameters
        ----------
        X_pool : sequence of rows
            The same pool as in ``fit``.

        Returns
        -------
        selected : same kind as ``X_pool``
            ``X_pool`` indexed by ``sample_indices_`` (a list for a list).
        """
        check_is_fitted(self)
        n = self._check_sample(X_pool, "X_pool")
        if n != self.n_pool_:
            raise ValueError(
                f"X_pool has {n} rows but the pool given to fit had {self.n_pool_}."
            )
        return _safe_indexing(X_pool, self.sample_indices_)

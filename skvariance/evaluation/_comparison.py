"""Tests that compare models on scores already computed.

McNemar on paired predictions, the 5x2cv paired t-test and combined F-test,
the corrected resampled t-test for repeated cross-validation, the Bayesian
correlated t-test with a region of practical equivalence, Friedman's test
with the Nemenyi critical difference across data sets, and Holm /
Benjamini-Hochberg adjustment of p-values. Pure statistics on arrays: the
functions that fit models live in :mod:`skvariance.model_selection`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
from scipy import special, stats

from ..utils.validation import check_confidence_level

__all__ = [
    "BayesianTTestResult",
    "FTestResult",
    "FriedmanNemenyiResult",
    "McNemarResult",
    "TTestResult",
    "adjust_pvalues",
    "bayesian_correlated_ttest",
    "corrected_resampled_ttest",
    "friedman_nemenyi",
    "ftest_5x2cv",
    "mcnemar_test",
    "ttest_5x2cv",
]

_ALTERNATIVES = ("two-sided", "greater", "less")
_CORRECTIONS = ("holm", "bh", "bonferroni")


def _frame(data, index=None):
    """A pandas DataFrame of ``data``; a clear ImportError without pandas."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a test dependency
        raise ImportError(
            "to_frame needs pandas; the result's attributes hold the same numbers."
        ) from exc
    return pd.DataFrame(data, index=index)


def _one_row(result, columns):
    """One-row DataFrame of the named scalar attributes of ``result``."""
    return _frame({c: [getattr(result, c)] for c in columns})


def _t_interval(mean, std_error, df, alternative, confidence_level):
    """Student-t interval ``mean -+ t * std_error``, one-sided as scipy's."""
    check_confidence_level(confidence_level)
    if alternative not in _ALTERNATIVES:
        raise ValueError(
            f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}."
        )
    if alternative == "two-sided":
        q = stats.t.ppf(0.5 + confidence_level / 2.0, df)
        return (float(mean - q * std_error), float(mean + q * std_error))
    q = stats.t.ppf(confidence_level, df)
    if alternative == "greater":
        return (float(mean - q * std_error), float(np.inf))
    return (float(-np.inf), float(mean + q * std_error))


# -- results ------------------------------------------------------------------
@dataclass(eq=False)
class McNemarResult:
    """Outcome of :func:`mcnemar_test`.

    Attributes
    ----------
    statistic : float
        ``min(b, c)`` for the exact test, the chi-squared statistic otherwise.
    pvalue : float
        Two-sided p-value.
    n_a_only : int
        ``b``: samples model A got right and model B got wrong.
    n_b_only : int
        ``c``: samples model B got right and model A got wrong.
    method : str
        ``"exact"`` or ``"asymptotic"``.
    """

    statistic: float
    pvalue: float
    n_a_only: int
    n_b_only: int
    method: str

    def to_frame(self):
        """The result as a one-row pandas DataFrame."""
        return _one_row(self, ["statistic", "pvalue", "n_a_only", "n_b_only", "method"])


@dataclass(eq=False)
class TTestResult:
    """Outcome of a paired t-test on score differences ``a - b``.

    Attributes
    ----------
    statistic : float
        The t statistic; positive when model A scores higher.
    pvalue : float
        p-value for ``alternative``.
    df : float
        Degrees of freedom of the reference Student t distribution.
    mean_difference : float
        Mean of ``a - b`` (for the 5x2cv test, the first difference
        :math:`p_1^{(1)}`, the numerator of the statistic).
    std_error : float
        The denominator of the statistic.
    alternative : str
        ``"two-sided"``, ``"greater"`` (A better) or ``"less"``.

    Notes
    -----
    :meth:`confidence_interval` inverts the same test: it is
    ``mean_difference -+ t_{df} * std_error`` with the test's own standard
    error (the Nadeau-Bengio corrected one for
    :func:`corrected_resampled_ttest`), so it excludes 0 exactly when the
    test rejects at level ``1 - confidence_level``.
    """

    statistic: float
    pvalue: float
    df: float
    mean_difference: float
    std_error: float
    alternative: str = "two-sided"

    def confidence_interval(self, confidence_level: float = 0.95) -> tuple:
        """Confidence interval of the mean difference ``a - b``.

        Parameters
        ----------
        confidence_level : float, default=0.95
            Nominal coverage, in (0, 1).

        Returns
        -------
        low, high : float
            ``mean_difference -+ q * std_error`` with ``q`` the Student t
            quantile on ``df`` degrees of freedom, two-sided for
            ``alternative="two-sided"``; as in
            :meth:`scipy.stats._result_classes.TtestResult.confidence_interval`
            the interval is one-sided for the one-sided alternatives
            (``high = inf`` for ``"greater"``, ``low = -inf`` for ``"less"``).

        Examples
        --------
        >>> import numpy as np
        >>> from skvariance.evaluation import corrected_resampled_ttest
        >>> a = np.array([0.81, 0.79, 0.84, 0.80, 0.82, 0.83])
        >>> b = np.array([0.78, 0.79, 0.80, 0.78, 0.80, 0.80])
        >>> res = corrected_resampled_ttest(a, b, n_train=90, n_test=10)
        >>> [round(x, 4) for x in res.confidence_interval(0.95)]
        [0.0048, 0.0418]
        """
        return _t_interval(
            self.mean_difference,
            self.std_error,
            self.df,
            self.alternative,
            confidence_level,
        )

    def to_frame(self, confidence_level: float = 0.95):
        """One-row DataFrame: the test and its ``ci_low``, ``ci_high``."""
        frame = _one_row(
            self,
            [
                "statistic",
                "pvalue",
                "df",
                "mean_difference",
                "std_error",
                "alternative",
            ],
        )
        low, high = self.confidence_interval(confidence_level)
        frame["ci_low"], frame["ci_high"] = low, high
        frame["confidence_level"] = float(confidence_level)
        return frame


@dataclass(eq=False)
class FTestResult:
    """Outcome of :func:`ftest_5x2cv`.

    Attributes
    ----------
    statistic : float
        The combined F statistic.
    pvalue : float
        Upper-tail p-value of ``F(dfn, dfd)``.
    dfn, dfd : int
        Degrees of freedom of numerator and denominator.
    mean_difference : float
        Mean of all score differences ``a - b``.
    """

    statistic: float
    pvalue: float
    dfn: int
    dfd: int
    mean_difference: float

    def to_frame(self):
        """The result as a one-row pandas DataFrame."""
        return _one_row(self, ["statistic", "pvalue", "dfn", "dfd", "mean_difference"])


@dataclass(eq=False)
class BayesianTTestResult:
    """Posterior of the mean difference ``a - b``: :func:`bayesian_correlated_ttest`.

    Attributes
    ----------
    prob_a_better : float
        Posterior probability that the difference exceeds ``rope``.
    prob_equivalent : float
        Posterior probability that ``|a - b| <= rope`` (0 when ``rope == 0``).
    prob_b_better : float
        Posterior probability that the difference is below ``-rope``.
    mean : float
        Location of the Student t posterior (the mean difference).
    scale : float
        Scale of the posterior; 0 when every difference is equal.
    df : int
        Degrees of freedom of the posterior.
    rope : float
        Half-width of the region of practical equivalence.
    """

    prob_a_better: float
    prob_equivalent: float
    prob_b_better: float
    mean: float
    scale: float
    df: int
    rope: float

    @property
    def probabilities(self) -> tuple[float, float, float]:
        """``(prob_b_better, prob_equivalent, prob_a_better)``, left to right."""
        return (self.prob_b_better, self.prob_equivalent, self.prob_a_better)

    def interval(self, confidence_level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed credible interval of the mean difference."""
        check_confidence_level(confidence_level)
        if self.scale == 0:
            return (self.mean, self.mean)
        low, high = stats.t.interval(
            confidence_level, self.df, loc=self.mean, scale=self.scale
        )
        return (float(low), float(high))

    def to_frame(self):
        """The posterior probabilities and parameters as a one-row DataFrame."""
        return _one_row(
            self,
            [
                "prob_a_better",
                "prob_equivalent",
                "prob_b_better",
                "mean",
                "scale",
                "df",
                "rope",
            ],
        )


@dataclass(eq=False)
class FriedmanNemenyiResult:
    """Outcome of :func:`friedman_nemenyi`.

    Attributes
    ----------
    statistic : float
        Friedman's chi-squared statistic (corrected for ties).
    pvalue : float
        Its p-value on ``k - 1`` degrees of freedom.
    iman_davenport_statistic : float
        Iman and Davenport's F form of the statistic, less conservative.
    iman_davenport_pvalue : float
        Its p-value on ``(k - 1, (N - 1)(k - 1))`` degrees of freedom.
    ranks : ndarray of shape (n_models,)
        Average rank of every model over the data sets; 1 is the best.
    critical_difference : float
        Nemenyi's critical difference at level ``alpha``: two models whose
        average ranks differ by more are significantly different.
    pairwise_pvalues : ndarray of shape (n_models, n_models)
        Nemenyi p-values of every pair (1 on the diagonal).
    names : list of str
        Model names, in column order.
    n_datasets : int
        Number of data sets (rows).
    alpha : float
        Level of the critical difference.
    """

    statistic: float
    pvalue: float
    iman_davenport_statistic: float
    iman_davenport_pvalue: float
    ranks: np.ndarray
    critical_difference: float
    pairwise_pvalues: np.ndarray = field(repr=False)
    names: list = field(default_factory=list)
    n_datasets: int = 0
    alpha: float = 0.05

    def significant_pairs(self) -> list[tuple[str, str]]:
        """Pairs whose average ranks differ by more than the critical difference."""
        out = []
        k = len(self.names)
        for i in range(k):
            for j in range(i + 1, k):
                if abs(self.ranks[i] - self.ranks[j]) > self.critical_difference:
                    out.append((self.names[i], self.names[j]))
        return out

    def to_frame(self, kind: str = "ranks"):
        """The result as a pandas DataFrame indexed by the model names.

        Parameters
        ----------
        kind : {"ranks", "pvalues"}, default="ranks"
            ``"ranks"``: one row per model with its average ``rank``;
            ``"pvalues"``: the Nemenyi p-value matrix, models as rows and
            columns.

        Returns
        -------
        frame : pandas.DataFrame
        """
        if kind not in ("ranks", "pvalues"):
            raise ValueError(f"kind must be 'ranks' or 'pvalues', got {kind!r}.")
        if kind == "ranks":
            return _frame({"rank": np.asarray(self.ranks, dtype=float)}, self.names)
        return _frame(
            {
                name: np.asarray(self.pairwise_pvalues)[:, j]
                for j, name in enumerate(self.names)
            },
            self.names,
        )


# -- validation -----------------------------------------------------------------
def _check_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a float in (0, 1), got {alpha!r}.")


def _finite_array(values, name) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except ValueError as exc:
        raise ValueError(
            f"{name} must be a rectangular numeric array ({exc})."
        ) from exc
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if arr.size == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}.")
    if np.isnan(arr).any():
        raise ValueError(
            f"{name} contains NaN: {int(np.isnan(arr).sum())} score(s) are missing; "
            "drop or impute failed runs explicitly before testing."
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains infinite values; scores must be finite.")
    return arr


def _paired(scores_a, scores_b, *, min_size=2) -> np.ndarray:
    """Differences ``a - b`` of two equally shaped score arrays."""
    a = _finite_array(scores_a, "scores_a")
    b = _finite_array(scores_b, "scores_b")
    if a.shape != b.shape:
        raise ValueError(
            "scores_a and scores_b must have the same shape (one score per "
            f"paired run), got {a.shape} and {b.shape}."
        )
    if a.size < min_size:
        raise ValueError(
            f"scores_a and scores_b need at least {min_size} paired scores, got "
            f"{a.size}."
        )
    return a - b


def _score_table(scores, names=None, *, name="scores"):
    """``(n_datasets, n_models)`` float array and model names of ``scores``.

    ``scores`` is a 2-d array, a pandas DataFrame (its column labels name
    the models) or a dict ``model name -> 1-d scores over the data sets``.
    ``names`` overrides the names (arrays only need it).
    """
    labels = None
    if hasattr(scores, "columns") and hasattr(scores, "to_numpy"):
        labels = [str(c) for c in scores.columns]
        values = scores.to_numpy()
    elif isinstance(scores, Mapping):
        labels = [str(k) for k in scores]
        columns = [np.asarray(v) for v in scores.values()]
        if any(c.ndim != 1 for c in columns):
            raise ValueError(
                f"{name} given as a dict must map each model name to a 1-d array "
                "of scores over the data sets."
            )
        lengths = {k: c.size for k, c in zip(labels, columns)}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                f"{name}: every model needs one score per data set; the dict "
                f"gives different lengths {lengths}."
            )
        values = np.column_stack(columns) if columns else np.empty((0, 0))
    else:
        values = scores
    arr = _finite_array(values, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-d array of shape (n_datasets, n_models), got shape "
            f"{arr.shape}."
        )
    k = arr.shape[1]
    if names is None:
        names = labels if labels is not None else [f"model_{j}" for j in range(k)]
    else:
        names = [str(x) for x in names]
        if len(names) != k:
            raise ValueError(
                f"names has {len(names)} entries but {name} has {k} models (columns)."
            )
    if len(set(names)) != k:
        raise ValueError(f"names must be distinct, got {names}.")
    return arr, names


def _positive_size(value) -> float | None:
    """``value`` as a float when it is a plain positive finite number, else None.

    The fast path of :func:`_test_train_ratio` for the common call with two
    Python numbers: ``float(value)`` is exactly the mean of the one-element
    float64 array the general path builds (ints below 2**53 convert exactly,
    and any int is converted by the same IEEE rounding NumPy uses).
    Anything else (bools, arrays, NumPy scalars, ints beyond int64, NaN,
    infinity, zero or negative sizes) goes the general way, which also
    raises the errors.
    """
    kind = type(value)
    if kind is float:
        return value if 0.0 < value < np.inf else None
    if kind is int and 0 < value < 2**63:
        return float(value)
    return None


def _test_train_ratio(n_train, n_test) -> float:
    fast_train, fast_test = _positive_size(n_train), _positive_size(n_test)
    if fast_train is not None and fast_test is not None:
        return fast_test / fast_train
    sizes = {}
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "iuf" or arr.size == 0:
            raise TypeError(
                f"{name} must be a positive number or an array of per-split sizes, "
                f"got {value!r}."
            )
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise ValueError(f"{name} must be positive and finite, got {value!r}.")
        sizes[name] = float(arr.mean())
    return sizes["n_test"] / sizes["n_train"]


def _t_pvalue(t, df, alternative):
    if alternative not in _ALTERNATIVES:
        raise ValueError(
            f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}."
        )
    if alternative == "two-sided":
        return float(min(1.0, 2.0 * stats.t.sf(abs(t), df)))
    if alternative == "greater":
        return float(stats.t.sf(t, df))
    return float(stats.t.cdf(t, df))


def _ratio(numerator, denominator):
    """``numerator / denominator`` with 0/0 = 0 and x/0 = +-inf."""
    if denominator > 0:
        return numerator / denominator
    if numerator == 0:
        return 0.0
    return float(np.copysign(np.inf, numerator))


# -- McNemar --------------------------------------------------------------------
def _binom_half_cdf(k: int, n: int) -> float:
    """``stats.binom.cdf(k, n, 0.5)`` for integers ``0 <= k < n``.

    The distribution's own ``_cdf`` (the method scipy's subclassing API
    documents), without the ~50 us of argument broadcasting and checks of
    the public ``cdf`` around it: the same floating-point result, since the
    public method calls this one for every ``k`` inside the support.
    """
    return float(stats.binom._cdf(k, n, 0.5))


def mcnemar_test(
    y_true, y_pred_a, y_pred_b, *, exact: bool = True, correction: bool = True
) -> McNemarResult:
    """McNemar's test: do two classifiers err on the same samples as often?

    With ``b`` the number of samples model A classifies correctly and model B
    wrongly, and ``c`` the reverse, the exact test is a two-sided binomial
    test of ``min(b, c)`` out of ``n = b + c`` at probability 1/2,
    :math:`p = \\min(1, 2 F_{Bin(n, 1/2)}(\\min(b, c)))`. The asymptotic test
    uses :math:`\\chi^2 = (|b - c| - 1)^2 / (b + c)` (Edwards' continuity
    correction; :math:`(b - c)^2 / (b + c)` with ``correction=False``) on one
    degree of freedom. Samples both models get right, or both wrong, carry no
    information about the difference.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred_a, y_pred_b : array-like of shape (n_samples,)
        Labels predicted by the two models on the same test samples.
    exact : bool, default=True
        Exact binomial test (recommended when ``b + c < 25``); otherwise the
        chi-squared approximation.
    correction : bool, default=True
        Continuity correction of the chi-squared statistic (ignored when
        ``exact``).

    Returns
    -------
    result : McNemarResult
        ``statistic``, ``pvalue``, ``n_a_only`` (b), ``n_b_only`` (c).

    See Also
    --------
    skvariance.model_selection.paired_ttest_5x2cv : a test that also covers
        the variance from the training set.

    Notes
    -----
    McNemar's test compares two fitted models on one test set. It ignores
    the variance due to the training set and the seed, so it answers "do
    these two fitted models differ on this distribution?", not "does
    algorithm A learn better models than B?". When ``b + c == 0`` the
    p-value is 1.

    References
    ----------
    .. [1] McNemar, Q. "Note on the sampling error of the difference between
       correlated proportions or percentages", Psychometrika 12, 1947.
    .. [2] Raschka, S. "Model Evaluation, Model Selection, and Algorithm
       Selection in Machine Learning", arXiv:1811.12808, 2018, section 4.

    Examples
    --------
    >>> from skvariance.evaluation import mcnemar_test
    >>> y = [0, 1, 1, 0, 1, 1, 0, 1, 0, 1]
    >>> a = [0, 1, 1, 0, 1, 1, 0, 1, 1, 1]
    >>> b = [1, 0, 1, 0, 0, 1, 1, 0, 1, 1]
    >>> res = mcnemar_test(y, a, b)
    >>> res.n_a_only, res.n_b_only
    (5, 0)
    >>> round(res.pvalue, 4)
    0.0625
    """
    arrays = {}
    for name, value in (
        ("y_true", y_true),
        ("y_pred_a", y_pred_a),
        ("y_pred_b", y_pred_b),
    ):
        arr = np.asarray(value)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-d, got shape {arr.shape}.")
        if arr.size == 0:
            raise ValueError(f"{name} is empty.")
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN.")
        arrays[name] = arr
    lengths = {name: arr.size for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"y_true, y_pred_a and y_pred_b differ in length: {lengths}.")
    right_a = arrays["y_pred_a"] == arrays["y_true"]
    right_b = arrays["y_pred_b"] == arrays["y_true"]
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    n = b + c
    if exact:
        statistic = float(min(b, c))
        pvalue = 1.0 if n == 0 else min(1.0, 2.0 * _binom_half_cdf(min(b, c), n))
        method = "exact"
    else:
        if n == 0:
            statistic, pvalue = 0.0, 1.0
        else:
            diff = abs(b - c) - 1.0 if correction else abs(b - c)
            statistic = diff**2 / n
            # stats.chi2.sf(statistic, 1) without its argument handling: the
            # same function of the same number (chdtrc(1, 0) = 1 as well)
            pvalue = special.chdtrc(1.0, statistic)
        method = "asymptotic"
    return McNemarResult(
        statistic=float(statistic),
        pvalue=float(pvalue),
        n_a_only=b,
        n_b_only=c,
        method=method,
    )


# -- t-tests on resampled scores ------------------------------------------------
def corrected_resampled_ttest(
    scores_a,
    scores_b,
    *,
    n_train,
    n_test,
    correction: bool = True,
    alternative: str = "two-sided",
) -> TTestResult:
    """Nadeau and Bengio's corrected resampled t-test on paired CV scores.

    The ``J`` paired differences :math:`d = a - b` (for example the
    ``(n_seeds, n_splits)`` score tables of two models from
    :func:`~skvariance.model_selection.seed_cross_validate` or
    :func:`~skvariance.model_selection.compare_estimators`, flattened) give

    .. math::

        t = \\frac{\\bar d}{\\sqrt{(1/J + n_{test}/n_{train})\\,\\hat\\sigma^2}}

    on ``J - 1`` degrees of freedom, :math:`\\hat\\sigma^2` the sample variance
    (``ddof=1``) of the differences. The term :math:`n_{test}/n_{train}`
    accounts for the correlation between differences whose training sets
    overlap; without it (``correction=False``, the plain "resampled t-test")
    the variance is badly underestimated and the test rejects a true null
    hypothesis far more often than ``alpha``.

    Parameters
    ----------
    scores_a, scores_b : array-like of any shape, same for both
        Paired scores of models A and B on the same (seed, split) cells;
        higher is better. At least 2 cells.
    n_train, n_test : int or array-like of per-split sizes
        Training and test set sizes; with arrays (one size per split) their
        means are used.
    correction : bool, default=True
        Apply the Nadeau-Bengio correction. ``False`` gives the naive
        resampled t-test, shown only for comparison.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"``: A scores higher than B.

    Returns
    -------
    result : TTestResult
        ``statistic``, ``pvalue``, ``df``, ``mean_difference``, ``std_error``.

    See Also
    --------
    bayesian_correlated_ttest : the Bayesian counterpart, with a ROPE.
    skvariance.model_selection.compare_estimators : fits the models and runs
        this test on every pair.

    Notes
    -----
    The correction was derived for repeated random train/test splits;
    Bouckaert and Frank [2]_ showed that it keeps the Type I error near
    ``alpha`` for repeated k-fold CV when every repetition reshuffles the
    folds. When every seed reuses the *same* folds (as
    :func:`~skvariance.model_selection.seed_cross_validate` does) the rows
    are more correlated than the correction assumes; prefer
    :func:`~skvariance.model_selection.compare_estimators`, which reshuffles
    the folds for each seed. If every difference is equal the statistic is
    ``+-inf`` (p-value 0), or 0 (p-value 1) when they are all zero.

    References
    ----------
    .. [1] Nadeau, C. and Bengio, Y. "Inference for the Generalization
       Error", Machine Learning 52, 2003.
    .. [2] Bouckaert, R. R. and Frank, E. "Evaluating the Replicability of
       Significance Tests for Comparing Learning Algorithms", PAKDD 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import corrected_resampled_ttest
    >>> rng = np.random.RandomState(0)
    >>> a = 0.80 + 0.02 * rng.randn(5, 10)
    >>> b = a - 0.01 + 0.01 * rng.randn(5, 10)
    >>> res = corrected_resampled_ttest(a, b, n_train=90, n_test=10)
    >>> round(res.statistic, 3), round(res.pvalue, 4), res.df
    (3.219, 0.0023, 49)
    >>> naive = corrected_resampled_ttest(a, b, n_train=90, n_test=10, correction=False)
    >>> bool(naive.pvalue < res.pvalue)
    True
    """
    d = _paired(scores_a, scores_b).ravel()
    ratio = _test_train_ratio(n_train, n_test)
    J = d.size
    var = float(np.var(d, ddof=1))
    factor = 1.0 / J + ratio if correction else 1.0 / J
    se = float(np.sqrt(factor * var))
    mean = float(d.mean())
    t = _ratio(mean, se)
    df = J - 1
    return TTestResult(
        statistic=float(t),
        pvalue=_t_pvalue(t, df, alternative),
        df=df,
        mean_difference=mean,
        std_error=se,
        alternative=alternative,
    )


def _check_5x2(scores_a, scores_b) -> np.ndarray:
    d = _paired(scores_a, scores_b)
    if d.ndim != 2 or d.shape[1] != 2 or d.shape[0] < 2:
        raise ValueError(
            "scores_a and scores_b must have shape (n_repetitions, 2): one row per "
            f"repetition of 2-fold CV (5 for Dietterich's test), got {d.shape}."
        )
    return d


def ttest_5x2cv(scores_a, scores_b, *, alternative: str = "two-sided") -> TTestResult:
    """Dietterich's 5x2cv paired t-test on scores already computed.

    With :math:`p_i^{(j)}` the difference ``a - b`` on fold ``j`` of
    repetition ``i`` of 2-fold CV, :math:`\\bar p_i` their mean and
    :math:`s_i^2 = \\sum_j (p_i^{(j)} - \\bar p_i)^2`,

    .. math:: t = p_1^{(1)} / \\sqrt{\\textstyle\\sum_i s_i^2 / r}

    on :math:`r` (5) degrees of freedom.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_repetitions, 2)
        Scores of models A and B; row ``i`` is repetition ``i``, column ``j``
        the fold used for testing. Dietterich uses 5 repetitions.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"``: A scores higher than B.

    Returns
    -------
    result : TTestResult
        ``mean_difference`` is :math:`p_1^{(1)}`, the numerator.

    See Also
    --------
    skvariance.model_selection.paired_ttest_5x2cv : fits the models and runs
        this test.
    ftest_5x2cv : Alpaydin's more robust combination of the same scores.

    References
    ----------
    .. [1] Dietterich, T. G. "Approximate Statistical Tests for Comparing
       Supervised Classification Learning Algorithms", Neural Computation 10,
       1998.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import ttest_5x2cv
    >>> a = np.array([[.81, .80], [.79, .83], [.80, .82], [.84, .80], [.82, .81]])
    >>> b = np.array([[.78, .79], [.77, .80], [.80, .79], [.80, .78], [.79, .80]])
    >>> res = ttest_5x2cv(a, b)
    >>> round(res.statistic, 3), round(res.pvalue, 3)
    (2.023, 0.099)
    """
    d = _check_5x2(scores_a, scores_b)
    r = d.shape[0]
    s2 = np.sum((d - d.mean(axis=1, keepdims=True)) ** 2, axis=1)
    se = float(np.sqrt(s2.sum() / r))
    t = _ratio(float(d[0, 0]), se)
    return TTestResult(
        statistic=float(t),
        pvalue=_t_pvalue(t, r, alternative),
        df=r,
        mean_difference=float(d[0, 0]),
        std_error=se,
        alternative=alternative,
    )


def ftest_5x2cv(scores_a, scores_b) -> FTestResult:
    """Alpaydin's combined 5x2cv F-test on scores already computed.

    With the notation of :func:`ttest_5x2cv`,

    .. math:: F = \\frac{\\sum_i \\sum_j (p_i^{(j)})^2}{2 \\sum_i s_i^2}

    follows approximately :math:`F(2r, r)` (``F(10, 5)`` for 5 repetitions).
    It uses all ten differences instead of the first one only, so it is more
    stable than the t-test and has lower Type I error.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_repetitions, 2)
        Scores of models A and B, as in :func:`ttest_5x2cv`.

    Returns
    -------
    result : FTestResult
        ``statistic``, ``pvalue``, ``dfn``, ``dfd``.

    See Also
    --------
    skvariance.model_selection.combined_ftest_5x2cv : fits the models and
        runs this test.

    References
    ----------
    .. [1] Alpaydin, E. "Combined 5 x 2 cv F Test for Comparing Supervised
       Classification Learning Algorithms", Neural Computation 11, 1999.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import ftest_5x2cv
    >>> a = np.array([[.81, .80], [.79, .83], [.80, .82], [.84, .80], [.82, .81]])
    >>> b = np.array([[.78, .79], [.77, .80], [.80, .79], [.80, .78], [.79, .80]])
    >>> res = ftest_5x2cv(a, b)
    >>> round(res.statistic, 3), round(res.pvalue, 3), (res.dfn, res.dfd)
    (2.818, 0.132, (10, 5))
    """
    d = _check_5x2(scores_a, scores_b)
    r = d.shape[0]
    s2 = np.sum((d - d.mean(axis=1, keepdims=True)) ** 2, axis=1)
    f = _ratio(float(np.sum(d**2)), float(2.0 * s2.sum()))
    pvalue = 1.0 if f == 0 else float(stats.f.sf(f, 2 * r, r))
    return FTestResult(
        statistic=float(f),
        pvalue=pvalue,
        dfn=2 * r,
        dfd=r,
        mean_difference=float(d.mean()),
    )


# -- Bayesian correlated t-test -------------------------------------------------
def bayesian_correlated_ttest(
    scores_a, scores_b, *, n_train, n_test, rope: float = 0.0
) -> BayesianTTestResult:
    """Benavoli et al.'s Bayesian correlated t-test with a ROPE.

    The posterior of the mean difference :math:`\\mu` of ``a - b`` over the
    ``J`` paired cross-validation scores is a Student t with ``J - 1`` degrees
    of freedom, location :math:`\\bar d` and scale

    .. math:: \\sqrt{(1/J + \\rho / (1 - \\rho))\\,\\hat\\sigma^2},
        \\qquad \\rho = n_{test} / (n_{train} + n_{test}),

    so :math:`\\rho/(1-\\rho) = n_{test}/n_{train}`, the Nadeau-Bengio
    correction. The result gives :math:`P(\\mu > r)` (A better),
    :math:`P(|\\mu| \\le r)` (practically equivalent) and
    :math:`P(\\mu < -r)` (B better) for the region of practical equivalence
    ``rope`` = :math:`r`.

    Parameters
    ----------
    scores_a, scores_b : array-like of any shape, same for both
        Paired scores (higher is better) on the same (seed, split) cells.
    n_train, n_test : int or array-like of per-split sizes
        Training and test set sizes (means are used for arrays).
    rope : float, default=0.0
        Half-width of the region of practical equivalence, in score units
        (for example 0.01 for one point of accuracy). Must be >= 0.

    Returns
    -------
    result : BayesianTTestResult
        ``prob_a_better``, ``prob_equivalent``, ``prob_b_better``, and the
        posterior's ``mean``, ``scale`` and ``df``.

    See Also
    --------
    corrected_resampled_ttest : the frequentist test with the same variance.

    Notes
    -----
    When every difference is equal the posterior is a point mass at the mean
    difference, and each probability is 0 or 1. baycomp's
    ``CorrelatedTTest(x, y, rope, runs)`` computes the same posterior for
    ``y - x`` with :math:`n_{test}/n_{train} = 1/(k - 1)` for k-fold CV.

    References
    ----------
    .. [1] Benavoli, A., Corani, G., Demšar, J. and Zaffalon, M. "Time for a
       Change: a Tutorial for Comparing Multiple Classifiers Through Bayesian
       Analysis", JMLR 18, 2017.
    .. [2] Corani, G. and Benavoli, A. "A Bayesian approach for comparing
       cross-validated algorithms on multiple data sets", Machine Learning
       100, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import bayesian_correlated_ttest
    >>> rng = np.random.RandomState(0)
    >>> a = 0.80 + 0.02 * rng.randn(5, 10)
    >>> b = a - 0.01 + 0.01 * rng.randn(5, 10)
    >>> res = bayesian_correlated_ttest(a, b, n_train=90, n_test=10, rope=0.005)
    >>> [round(p, 3) for p in res.probabilities]
    [0.0, 0.053, 0.947]
    """
    if isinstance(rope, bool) or not isinstance(rope, Real):
        raise TypeError(f"rope must be a non-negative float, got {rope!r}.")
    if not np.isfinite(rope) or rope < 0:
        raise ValueError(
            f"rope must be >= 0 (the half-width of the region of practical "
            f"equivalence), got {rope!r}."
        )
    d = _paired(scores_a, scores_b).ravel()
    ratio = _test_train_ratio(n_train, n_test)
    J = d.size
    mean = float(d.mean())
    var = float(np.var(d, ddof=1))
    scale = float(np.sqrt((1.0 / J + ratio) * var))
    df = J - 1
    if scale == 0:
        p_b = float(mean < -rope)
        p_a = float(mean > rope)
        if rope == 0 and mean == 0:
            p_a = p_b = 0.5
    else:
        # stats.t.cdf(-rope, df, loc=mean, scale=scale) and
        # stats.t.sf(rope, df, ...): scipy standardizes (x - loc) / scale and
        # evaluates stdtr(df, z) (the sf as stdtr(df, -z)); the same
        # numbers without its argument handling, 20x faster for one value
        r = float(rope)  # scipy computes in float64 whatever rope's type
        p_b = float(special.stdtr(df, (-r - mean) / scale))
        p_a = float(special.stdtr(df, -((r - mean) / scale)))
    p_eq = max(0.0, 1.0 - p_a - p_b) if rope > 0 else 0.0
    return BayesianTTestResult(
        prob_a_better=p_a,
        prob_equivalent=p_eq,
        prob_b_better=p_b,
        mean=mean,
        scale=scale,
        df=df,
        rope=float(rope),
    )


# -- many models over many data sets ---------------------------------------------
def _average_ranks(scores: np.ndarray) -> np.ndarray:
    """Rank within each row, 1 = highest score, ties averaged."""
    return stats.rankdata(-scores, axis=1)


def friedman_nemenyi(
    scores, *, alpha: float = 0.05, names=None
) -> FriedmanNemenyiResult:
    """Friedman's test and the Nemenyi critical difference across data sets.

    Models are ranked on every data set (1 = highest score, ties averaged);
    :math:`R_j` is the average rank of model ``j`` over the ``N`` data sets.
    Friedman's statistic

    .. math:: \\chi^2_F = \\frac{12 N}{k(k+1)}\\Big[\\sum_j R_j^2 -
        \\frac{k(k+1)^2}{4}\\Big]

    (divided by the usual tie correction) is referred to :math:`\\chi^2_{k-1}`;
    Iman and Davenport's :math:`F_F = (N-1)\\chi^2_F / (N(k-1) - \\chi^2_F)`
    to :math:`F(k-1, (k-1)(N-1))`. Two models differ significantly by
    Nemenyi's post-hoc test when their average ranks differ by more than

    .. math:: CD = q_\\alpha \\sqrt{k(k+1) / (6N)},

    :math:`q_\\alpha` the studentized range quantile divided by
    :math:`\\sqrt 2`.

    Parameters
    ----------
    scores : array-like of shape (n_datasets, n_models), DataFrame or dict
        One score per data set and model (for example the mean over seeds
        and splits), higher is better. At least 2 data sets and 2 models.
        A pandas DataFrame's column labels, or a dict's keys (model name ->
        scores over the data sets), name the models.
    alpha : float, default=0.05
        Level of the critical difference.
    names : list of str, default=None
        Model names; by default the DataFrame's columns or the dict's keys,
        else ``"model_0"``, ...

    Returns
    -------
    result : FriedmanNemenyiResult
        ``statistic``, ``pvalue``, ``ranks``, ``critical_difference``,
        ``pairwise_pvalues``; plot it with
        :class:`~skvariance.plotting.CriticalDifferenceDisplay`.

    See Also
    --------
    skvariance.plotting.CriticalDifferenceDisplay : the critical-difference
        diagram.

    Notes
    -----
    Demšar recommends the Nemenyi test only after Friedman's test rejects;
    both are reported here and the choice is left to the reader. With fewer
    than about 10 data sets the normal approximation behind Nemenyi's test
    is rough.

    References
    ----------
    .. [1] Demšar, J. "Statistical Comparisons of Classifiers over Multiple
       Data Sets", JMLR 7, 2006.
    .. [2] Raschka, S. "Model Evaluation, Model Selection, and Algorithm
       Selection in Machine Learning", arXiv:1811.12808, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import friedman_nemenyi
    >>> scores = np.array([[0.9, 0.8, 0.7], [0.85, 0.8, 0.6], [0.7, 0.75, 0.5],
    ...                    [0.95, 0.9, 0.85], [0.8, 0.7, 0.72]])
    >>> res = friedman_nemenyi(scores, names=["A", "B", "C"])
    >>> res.ranks.tolist()
    [1.2, 2.0, 2.8]
    >>> round(res.critical_difference, 3), round(res.pvalue, 4)
    (1.482, 0.0408)
    """
    _check_alpha(alpha)
    arr, names = _score_table(scores, names)
    n, k = arr.shape
    if k < 2:
        raise ValueError(
            f"friedman_nemenyi needs at least 2 models (columns), got {k}."
        )
    if n < 2:
        raise ValueError(
            f"friedman_nemenyi needs at least 2 data sets (rows), got {n}."
        )
    rank_table = _average_ranks(arr)
    ranks = rank_table.mean(axis=0)
    chi2 = 12.0 * n / (k * (k + 1)) * (np.sum(ranks**2) - k * (k + 1) ** 2 / 4.0)
    ties = 0.0
    for row in arr:
        _, counts = np.unique(row, return_counts=True)
        ties += np.sum(counts**3 - counts)
    tie_factor = 1.0 - ties / (n * k * (k * k - 1))
    if tie_factor > 0:
        chi2 = chi2 / tie_factor
        pvalue = float(stats.chi2.sf(chi2, k - 1))
    else:  # every model tied on every data set
        chi2, pvalue = 0.0, 1.0
    denom = n * (k - 1) - chi2
    if denom > 0:
        f_id = (n - 1) * chi2 / denom
        p_id = float(stats.f.sf(f_id, k - 1, (k - 1) * (n - 1)))
    else:
        f_id, p_id = np.inf, 0.0
    se = np.sqrt(k * (k + 1) / (6.0 * n))
    q_alpha = stats.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    z = np.abs(ranks[:, None] - ranks[None, :]) / se
    pairwise = stats.studentized_range.sf(z * np.sqrt(2), k, np.inf)
    pairwise = np.clip(pairwise, 0.0, 1.0)
    np.fill_diagonal(pairwise, 1.0)
    return FriedmanNemenyiResult(
        statistic=float(chi2),
        pvalue=pvalue,
        iman_davenport_statistic=float(f_id),
        iman_davenport_pvalue=p_id,
        ranks=ranks,
        critical_difference=float(q_alpha * se),
        pairwise_pvalues=pairwise,
        names=names,
        n_datasets=n,
        alpha=float(alpha),
    )


# -- multiple comparisons ---------------------------------------------------------
def adjust_pvalues(pvalues, method: str | None = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons.

    Parameters
    ----------
    pvalues : array-like of shape (n_tests,)
        Unadjusted p-values in [0, 1].
    method : {"holm", "bh", "bonferroni"} or None, default="holm"
        ``"holm"``: Holm's step-down procedure, controls the family-wise
        error; ``"bh"``: Benjamini-Hochberg step-up, controls the false
        discovery rate (independent or positively dependent tests);
        ``"bonferroni"``; ``None`` returns the p-values unchanged.

    Returns
    -------
    adjusted : ndarray of shape (n_tests,)
        Adjusted p-values: reject the tests whose adjusted p-value is
        <= alpha.

    References
    ----------
    .. [1] Holm, S. "A Simple Sequentially Rejective Multiple Test
       Procedure", Scandinavian Journal of Statistics 6, 1979.
    .. [2] Benjamini, Y. and Hochberg, Y. "Controlling the False Discovery
       Rate", JRSS B 57, 1995.

    Examples
    --------
    >>> from skvariance.evaluation import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").tolist()
    [0.03, 0.06, 0.06]
    >>> [round(float(p), 3) for p in adjust_pvalues([0.01, 0.04, 0.03], "bh")]
    [0.03, 0.04, 0.04]
    """
    if method is not None and method not in _CORRECTIONS:
        raise ValueError(
            f"method must be one of {_CORRECTIONS} or None, got {method!r}."
        )
    p = _finite_array(pvalues, "pvalues")
    if p.ndim != 1:
        raise ValueError(f"pvalues must be 1-d, got shape {p.shape}.")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("pvalues must lie in [0, 1].")
    m = p.size
    if method is None:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, p * m)
    order = np.argsort(p, kind="mergesort")
    sorted_p = p[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * sorted_p)
    else:  # bh
        adj = sorted_p * m / np.arange(1, m + 1)
        adj = np.minimum.accumulate(adj[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(1.0, adj)
    return out

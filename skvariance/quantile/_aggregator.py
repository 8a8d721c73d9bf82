"""Weighted aggregation of quantile models (Fakoor et al.), with conformal pairs."""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import MetaEstimatorMixin, clone
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from .._kernels._conformal import weighted_conformal_quantiles
from ..utils._seeds import derive_seeds, random_state_params
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from ..utils.crossfit import check_splits, cross_fit_predict_many
from ..utils.intervals import (
    coverage_columns,
    default_coverage,
    stack_interval,
    symmetric_coverages,
)
from ..utils.metadata import (
    build_router,
    route_fit_params,
    routing_enabled,
    sample_weight_params,
)
from ..utils.stats import conformal_rank
from ..utils.validation import (
    check_n_jobs,
    check_quantile_levels,
    check_sample_weight,
    num_samples,
    passthrough_tags,
    validate_passthrough,
)
from ._monotonize import monotonize as _monotonize
from ._multi import MultiQuantileRegressor
from ._weights import (
    fit_local_weights,
    fit_simplex_weights,
    fit_smooth_weights,
    local_weights,
)
from .base import BaseQuantileRegressor, check_quantile_estimator, match_levels

__all__ = ["QuantileAggregator"]

#: ``solver="auto"`` solves the exact LP up to this many rows, L-BFGS above
_AUTO_LP_MAX_ROWS = 1000
#: relative gap to the LP optimum the L-BFGS weights are certified within
_LBFGS_TOL = 1e-6


def _as_quantile_model(estimator, levels):
    """A clone predicting ``levels`` as (n_samples, n_levels) from ``predict(X)``."""
    if "quantiles" in estimator.get_params(deep=False):
        return clone(estimator).set_params(quantiles=levels)
    return MultiQuantileRegressor(clone(estimator), quantiles=levels, n_jobs=1)


def _conformal_correction(scores, coverage, sample_weight=None):
    """Conformal quantile of the CQR scores at ``coverage`` (``+inf`` if too few).

    Unweighted: the ``k``-th smallest score, ``k = ceil((n + 1) coverage)``
    (:func:`skvariance.utils.stats.conformal_rank`), ``+inf`` when ``k > n``.
    Weighted: the smallest score ``s`` whose weight ``sum(w[scores <= s])``
    reaches ``coverage (W + mean(w))``, ``W = sum(w)``: weighted conformal
    prediction (Tibshirani et al., 2019) with the test point carrying the
    mean weight at ``+inf``; equal weights give the unweighted rank.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = scores.shape[0]
    if sample_weight is None:
        rank = conformal_rank(n, coverage)
        return np.inf if rank > n else float(np.partition(scores, rank - 1)[rank - 1])
    order = np.argsort(scores, kind="stable")
    w = np.asarray(sample_weight, dtype=np.float64)[order]
    w = w / w.mean()
    out = np.empty((1, 1))
    weighted_conformal_quantiles(
        np.ascontiguousarray(scores[order]),
        np.cumsum(w),
        np.ones(1),
        np.array([float(coverage)]),
        out,
    )
    return float(out[0, 0])


def _widen_to_nested(q, center):
    """Running min below ``center`` and max above it: only widens intervals."""
    q = q.copy()
    for j in range(center - 1, -1, -1):
        np.minimum(q[:, j], q[:, j + 1], out=q[:, j])
    for j in range(center + 1, q.shape[1]):
        np.maximum(q[:, j], q[:, j - 1], out=q[:, j])
    return q


class QuantileAggregator(MetaEstimatorMixin, BaseQuantileRegressor):
    """Weighted combination of quantile models, fitted on out-of-fold predictions.

    Every base model predicts every level. Their out-of-fold predictions
    (cross-fitted, in parallel) are combined as

    .. math::

        \\hat q(x, \\tau) = \\sum_k w_k(\\tau, x)\\, \\hat q_k(x, \\tau),
        \\qquad w_k \\ge 0,\\ \\sum_k w_k = 1,

    with weights that minimise the mean pinball loss over all levels: one
    weight per model (``"global"``), per model and level (``"per_quantile"``;
    both linear programs, solved exactly by HiGHS or, above 1,000 rows by
    default, through a smoothed loss by L-BFGS to within a certified
    ``1e-6`` of the LP optimum), or a softmax of a linear function of the
    standardised features (``"local"``, a smooth surrogate minimised by
    L-BFGS from the per-level weights). The base models are
    then refitted on all the data. Crossing quantiles are removed by sorting
    or isotonic regression, and ``conformalize=True`` calibrates every
    symmetric pair of levels (CQR) on the out-of-fold predictions.

    Parameters
    ----------
    estimators : list of (str, estimator) tuples or of estimators
        At least two quantile models: an estimator with a quantile parameter
        (wrapped in :class:`MultiQuantileRegressor`), one whose ``predict``
        takes ``quantiles`` (quantile-forest), or one with a ``quantiles``
        parameter (this family's estimators, set to ``quantiles``). Unnamed
        estimators are named after their class, as
        :func:`~sklearn.pipeline.make_pipeline` names its steps (see
        ``estimator_names_``). They are cloned.
    quantiles : array-like of float, default=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
        Levels in (0, 1), strictly increasing.
    weighting : {"global", "per_quantile", "local"}, default="per_quantile"
        How weights may vary: over models only, over models and levels, or
        also with ``x``.
    cv : int, cross-validation generator or iterable, default=5
        Splits for the out-of-fold base predictions
        (:func:`skvariance.utils.crossfit.check_splits`: the test folds must
        partition the rows). An int gives a shuffled
        :class:`~sklearn.model_selection.KFold` seeded from ``random_state``.
    monotonize : {"sort", "isotonic"} or None, default="sort"
        How crossing aggregated quantiles are removed (see :func:`monotonize`).
        ``None`` leaves them (and is refused with ``conformalize=True``).
    conformalize : bool, default=False
        Calibrate each pair of levels ``(tau, 1 - tau)`` with the conformal
        quantile of the out-of-fold CQR scores, so that
        :meth:`predict_interval` covers at least ``1 - 2 tau``: the
        ``ceil((n + 1)(1 - 2 tau))``-th smallest score
        (:func:`skvariance.utils.stats.conformal_rank`; ``+inf`` above ``n``),
        or with ``sample_weight`` the weighted conformal quantile in which
        the test point carries the mean weight (see the user guide). Needs
        symmetric levels.
    solver : {"auto", "lbfgs", "highs", "highs-ds", "highs-ipm"}, default="auto"
        How the weights on the simplex (``"global"``, ``"per_quantile"``, and
        the start of ``"local"``) are fitted.

        - ``"highs"``, ``"highs-ds"``, ``"highs-ipm"``: the exact linear
          program, by this :func:`scipy.optimize.linprog` method. All give an
          optimal vertex (the interior-point method ends with a crossover),
          so the same loss; ``"highs-ipm"`` is the fastest of the three. Time
          and memory grow fast with the rows (4 models, 7 levels: about 1 s
          at 1,000 rows, 10 s at 10,000, 89 s and 2.2 GB at 100,000).
        - ``"lbfgs"``: the pinball loss smoothed near zero (its Moreau
          envelope) minimised by L-BFGS-B over non-negative weights
          normalised to sum to one, the smoothing width shrinking by
          ``10^1.5`` per stage, until a dual lower bound certifies the loss
          within ``1e-6`` (relative) of the LP optimum (``weight_gap_``; a
          ``ConvergenceWarning`` if not). Linear in the rows, with memory at
          most about twice the out-of-fold predictions: 23 times faster than
          ``"highs-ipm"`` at 10,000 rows, 150 to 470 times at 100,000 on a
          busy machine (1.4 s against 89 s unloaded), 1,000,000 rows in
          10 to 12 s (``benchmarks/bench_quantile_weights_lbfgs.py``).
          Where the optimum is
          not unique (collinear models), the weights may differ from the
          LP's at the same loss; a model the LP drops may keep a tiny weight.
        - ``"auto"``: ``"highs-ipm"`` up to 1,000 rows, where the exact LP
          costs under a second and its sparse vertex weights are exact,
          ``"lbfgs"`` above.
    local_transformer : transformer, default=None
        For ``weighting="local"``: features of the weight model, computed from
        ``X`` by this transformer (cloned, fitted on the training data) and
        standardised; ``None`` uses ``X`` itself, standardised (so ``X`` must
        then be numeric and dense: for a DataFrame with other columns pass a
        transformer such as a ``ColumnTransformer``).
    local_penalty : float, default=1e-3
        Ridge penalty on the slopes of the local weight model.
    local_smoothing : float, default=0.05
        Width of the softplus smoothing of the pinball loss for ``"local"``,
        relative to the mean absolute out-of-fold error of the aggregate median.
    n_jobs : int, default=None
        (model, fold) fits run in parallel through
        :class:`sklearn.utils.parallel.Parallel` (``None`` means 1 unless in a
        :func:`joblib.parallel_config` context). Results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds (when ``cv`` is an int) and every nested
        ``random_state`` of the base models that is left ``None``.
    verbose : int, default=0
        Progress of the (model, fold) fits: ``0`` prints nothing; ``1`` and
        more print joblib's progress messages. Results do not depend on it.

    Attributes
    ----------
    quantiles_ : ndarray of shape (n_quantiles,)
        The fitted levels, sorted.
    estimators_ : list of estimators
        The base models refitted on all the data, each predicting
        ``quantiles_``.
    named_estimators_ : dict
        The same, by name.
    estimator_names_ : list of str
        The base models' names, in the order of ``estimators`` and of the
        rows of ``weights_``: the given names of ``(name, estimator)``
        tuples; for unnamed estimators the lower-case class name, with
        ``"-1"``, ``"-2"``... when it repeats (as
        :func:`~sklearn.pipeline.make_pipeline` names its steps).
    weights_ : ndarray of shape (n_estimators,) or (n_estimators, n_quantiles)
        ``"global"``: one weight per model; ``"per_quantile"``: one per model
        and level; ``"local"``: the average over the training samples of the
        local weights (see :meth:`predict_weights`). Rows follow
        ``estimator_names_``; :meth:`weights_to_frame` labels them.
    local_coef_ : ndarray of shape (n_quantiles, n_estimators, 1 + n_features)
        Intercepts and slopes of the local weight logits (``"local"`` only).
    cv_predictions_ : ndarray of shape (n_samples, n_estimators, n_quantiles)
        The out-of-fold base predictions the weights were fitted on.
    conformal_corrections_ : ndarray of shape (n_pairs,)
        Widening of each interval ``(quantiles_[j], quantiles_[-1 - j])``
        (``conformalize=True`` only; may be negative, which narrows).
    coverages_ : ndarray of shape (n_pairs,)
        Nominal coverages ``predict_interval`` offers, increasing.
    cv_fit_time_ : float
        Seconds spent cross-fitting the base models (all folds).
    weight_fit_time_ : float
        Seconds spent fitting the weights.
    solver_ : str
        The solver used: ``solver``, or what ``"auto"`` chose.
    weight_gap_ : float
        With ``solver_ == "lbfgs"``, the certified relative gap between the
        pinball loss of the weights and a lower bound on the LP optimum (the
        largest over levels for ``"per_quantile"``, and for ``"local"`` that
        of its per-level starting weights); ``0.0`` for the LP, which is
        solved to optimality.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiQuantileRegressor : one quantile model at several levels.
    monotonize : the crossing corrections.
    skvariance.metrics.weighted_interval_score : the score being minimised.

    Notes
    -----
    The weights and the conformal corrections are both fitted on the same
    out-of-fold predictions; with a handful of weights this costs little
    coverage (the tests check coverage by simulation), but with
    ``weighting="local"`` and many features prefer a strong
    ``local_penalty``. After calibration, crossing is removed by widening
    intervals only (running minimum of the lower levels and maximum of the
    upper ones, outward from the median), so coverage is not lost.

    References
    ----------
    .. [1] Fakoor, R., Kim, T., Mueller, J., Smola, A. J. and Tibshirani,
       R. J. "Flexible Model Aggregation for Quantile Regression", JMLR 24
       (2023).
    .. [2] Romano, Y., Patterson, E. and Candes, E. "Conformalized Quantile
       Regression", NeurIPS 2019.
    .. [3] Tibshirani, R. J., Foygel Barber, R., Candes, E. and Ramdas, A.
       "Conformal Prediction Under Covariate Shift", NeurIPS 2019.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.ensemble import GradientBoostingRegressor
    >>> from sklearn.linear_model import QuantileRegressor
    >>> from skvariance.quantile import KNNQuantileRegressor, QuantileAggregator
    >>> X, y = make_regression(n_samples=200, n_features=3, noise=10, random_state=0)
    >>> agg = QuantileAggregator(
    ...     [
    ...         ("linear", QuantileRegressor(alpha=0.0)),
    ...         ("gbm", GradientBoostingRegressor(loss="quantile", n_estimators=30)),
    ...         ("knn", KNNQuantileRegressor(n_neighbors=15)),
    ...     ],
    ...     quantiles=[0.1, 0.5, 0.9],
    ...     weighting="global",
    ...     conformalize=True,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> agg.weights_.shape
    (3,)
    >>> agg.predict(X[:5]).shape
    (5, 3)
    >>> agg.predict_interval(X[:5], coverage=0.8).shape
    (5, 2)

    With metadata routing the aggregator consumes ``sample_weight`` itself:
    base models that do not request it are fitted without it.

    >>> import numpy as np, sklearn
    >>> w = np.where(X[:, 0] > 0, 2.0, 1.0)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     weighted = QuantileAggregator(
    ...         [
    ...             ("linear", QuantileRegressor(alpha=0.0)
    ...              .set_fit_request(sample_weight=False)),
    ...             ("knn", KNNQuantileRegressor(n_neighbors=15)
    ...              .set_fit_request(sample_weight=False)),
    ...         ],
    ...         quantiles=[0.1, 0.5, 0.9],
    ...         random_state=0,
    ...     ).fit(X, y, sample_weight=w)
    >>> weighted.weights_.shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "estimators": [list],
        "quantiles": ["array-like"],
        "weighting": [StrOptions({"global", "per_quantile", "local"})],
        "cv": ["cv_object"],
        "monotonize": [StrOptions({"sort", "isotonic"}), None],
        "conformalize": ["boolean"],
        "solver": [StrOptions({"auto", "lbfgs", "highs", "highs-ds", "highs-ipm"})],
        "local_transformer": [HasMethods(["fit", "transform"]), None],
        "local_penalty": [Interval(Real, 0, None, closed="left")],
        "local_smoothing": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimators,
        *,
        quantiles=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95),
        weighting: str = "per_quantile",
        cv=5,
        monotonize: str | None = "sort",
        conformalize: bool = False,
        solver: str = "auto",
        local_transformer=None,
        local_penalty: float = 1e-3,
        local_smoothing: float = 0.05,
        n_jobs: int | None = None,
        random_state=None,
        verbose: int = 0,
    ):
        self.estimators = estimators
        self.quantiles = quantiles
        self.weighting = weighting
        self.cv = cv
        self.monotonize = monotonize
        self.conformalize = conformalize
        self.solver = solver
        self.local_transformer = local_transformer
        self.local_penalty = local_penalty
        self.local_smoothing = local_smoothing
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- validation -------------------------------------------------------
    def _named_estimators(self):
        # unnamed estimators are named as make_pipeline names its steps: the
        # lower-case class name, with "-1", "-2"... only when it repeats
        bases = [
            None if isinstance(item, tuple) else type(item).__name__.lower()
            for item in self.estimators
        ]
        total = {base: bases.count(base) for base in bases if base is not None}
        named, seen = [], {}
        for item, base in zip(self.estimators, bases):
            if base is None:
                if len(item) != 2 or not isinstance(item[0], str):
                    raise TypeError(
                        "estimators must hold (name, estimator) tuples or "
                        f"estimators, got {item!r}."
                    )
                named.append(item)
                continue
            seen[base] = seen.get(base, 0) + 1
            named.append((base if total[base] == 1 else f"{base}-{seen[base]}", item))
        names = [name for name, _ in named]
        if len(set(names)) != len(names):
            raise ValueError(f"estimator names must be unique, got {names}.")
        return named

    def _check_params(self):
        levels = check_quantile_levels(self.quantiles)
        check_n_jobs(self.n_jobs)
        named = self._named_estimators()
        if len(named) < 2:
            raise ValueError(
                f"estimators must hold at least two quantile models to aggregate, "
                f"got {len(named)}."
            )
        for name, est in named:
            if not hasattr(est, "fit") or not hasattr(est, "predict"):
                raise TypeError(
                    f"estimators[{name!r}] {type(est).__name__} is not an "
                    "estimator with fit and predict."
                )
            if "quantiles" not in est.get_params(deep=False):
                check_quantile_estimator(est, name=f"estimators[{name!r}]")
        pairs = None
        if self.conformalize:
            if self.monotonize is None:
                raise ValueError(
                    "conformalize=True needs monotonize='sort' or 'isotonic': "
                    "calibrated pairs of crossing quantiles are not intervals."
                )
            match_levels(
                (1.0 - levels)[::-1], levels, name="mirrored levels 1 - quantiles"
            )
            n_pairs = levels.size // 2
            if n_pairs == 0:
                raise ValueError(
                    "conformalize=True needs at least one pair of levels "
                    f"(tau, 1 - tau); got quantiles={levels.tolist()}."
                )
            pairs = [(j, levels.size - 1 - j) for j in range(n_pairs)]
        return levels, named, pairs

    # -- fitting ----------------------------------------------------------
    def _routed_params(self, named, sample_weight, fit_params):
        """Fit metadata of each base model, and the weights for every base fit.

        With routing the aggregator consumes ``sample_weight`` (self
        request) and a base model gets it only if it requests it; without,
        every base model gets it by the package rule (checked here, before
        any fit).
        """
        names = [name for name, _ in named]
        if routing_enabled():
            params = dict(fit_params)
            if sample_weight is not None:
                params["sample_weight"] = sample_weight
            routed = route_fit_params(
                self, names, params, sample_weight_by_request=True
            )
            return routed, None
        routed = route_fit_params(self, names, fit_params)
        for name, est in named:
            sample_weight_params(est, sample_weight, name=f"estimators[{name!r}]")
        return routed, sample_weight

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Cross-fit the base models, fit the weights, refit on all the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; NaN or infinity raise a ``ValueError``.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the pinball loss the aggregation weights minimise and
            of the conformal quantile (the aggregator always consumes them),
            also given to the base models' ``fit``: without metadata routing
            to every base model, or a Pipeline's final step, which must
            accept it; with routing only to those that request it
            (``set_fit_request(sample_weight=True)``), so that the weights can
            weight the aggregation alone.
        **fit_params : dict
            Other fit parameters for the base models (metadata routing only).

        Returns
        -------
        self : QuantileAggregator
        """
        levels, named, pairs = self._check_params()
        X, y = validate_passthrough(self, X, y)
        if sample_weight is not None:
            sample_weight = check_sample_weight(np.asarray(sample_weight), X)
        sw = check_sample_weight(sample_weight, X)
        params, base_weight = self._routed_params(named, sample_weight, fit_params)
        rng = check_random_state(self.random_state)
        fold_seed = None
        if isinstance(self.cv, Integral):
            fold_seed = int(derive_seeds(rng, 1)[0])
        folds = check_splits(self.cv, X, y, fold_seed)
        seeds = derive_seeds(rng, len(named))
        # drawn last, so the folds and base seeds do not depend on the solver
        weight_seed = int(derive_seeds(rng, 1)[0])
        models = []
        for (_, est), seed in zip(named, seeds):
            model = _as_quantile_model(est, levels)
            unset = {
                key: int(seed)
                for key in random_state_params(model)
                if model.get_params()[key] is None
            }
            models.append(model.set_params(**unset))

        start = time.perf_counter()
        names = [name for name, _ in named]
        oof, self.estimators_ = cross_fit_predict_many(
            models,
            X,
            y,
            folds,
            sample_weight=base_weight,
            fit_params=[params[name] for name in names],
            refit=True,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
            names=[f"estimators[{name!r}]" for name in names],
        )
        P = np.stack(oof, axis=1)
        if not np.all(np.isfinite(P)):
            raise ValueError("a base model predicted NaN or infinity out of fold.")
        self.named_estimators_ = {
            name: est for (name, _), est in zip(named, self.estimators_)
        }
        self.estimator_names_ = list(names)
        self.cv_fit_time_ = time.perf_counter() - start
        self.cv_predictions_ = P
        self.quantiles_ = levels

        start = time.perf_counter()
        self._fit_weights(X, y, sw, P, levels, seed=weight_seed)
        self.weight_fit_time_ = time.perf_counter() - start

        q = self._aggregate(P, X)
        # the coverages predict_interval answers (one rule: utils.intervals)
        self.coverages_ = symmetric_coverages(levels)
        if self.conformalize:
            self.conformal_corrections_ = self._calibrate(
                q, y, sample_weight, pairs, levels
            )
        return self

    def _fit_weights(self, X, y, sw, P, levels, seed=0):
        per_level = self.weighting != "global"
        solver = self.solver
        if solver == "auto":
            solver = "highs-ipm" if P.shape[0] <= _AUTO_LP_MAX_ROWS else "lbfgs"
        self.solver_ = solver
        if solver == "lbfgs":
            w, self.weight_gap_ = fit_smooth_weights(
                P, y, levels, sw, per_level=per_level, tol=_LBFGS_TOL, random_state=seed
            )
        else:
            w = fit_simplex_weights(
                P, y, levels, sw, per_level=per_level, method=solver
            )
            self.weight_gap_ = 0.0
        if self.weighting != "local":
            self.weights_ = w
            return
        if self.local_transformer is None:
            self.local_transformer_ = StandardScaler().fit(X)
        else:
            self.local_transformer_ = clone(self.local_transformer).fit(X)
        Z = self.local_transformer_.transform(X)
        if self.local_transformer is not None:
            self._local_scaler = StandardScaler().fit(Z)
            Z = self._local_scaler.transform(Z)
        median = np.einsum("ikt,kt->it", P, w)
        center = int(np.argmin(np.abs(levels - 0.5)))
        scale = float(np.average(np.abs(y - median[:, center]), weights=sw))
        scale = scale if scale > 0 else 1.0
        self.local_coef_ = fit_local_weights(
            P,
            y,
            levels,
            sw,
            Z,
            w,
            smoothing=self.local_smoothing,
            penalty=self.local_penalty,
            scale=scale,
        )
        self.weights_ = np.average(local_weights(self.local_coef_, Z), axis=0)

    def _local_features(self, X):
        Z = self.local_transformer_.transform(X)
        if self.local_transformer is not None:
            Z = self._local_scaler.transform(Z)
        return Z

    def _weights_for(self, X, n):
        if self.weighting == "local":
            return local_weights(self.local_coef_, self._local_features(X))
        w = self.weights_
        if w.ndim == 1:
            w = np.repeat(w[:, None], self.quantiles_.size, axis=1)
        return np.broadcast_to(w, (n, *w.shape))

    def _aggregate(self, P, X):
        q = np.einsum("ikt,ikt->it", self._weights_for(X, P.shape[0]), P)
        return _monotonize(q, self.monotonize)

    def _calibrate(self, q, y, sample_weight, pairs, levels):
        corrections = np.empty(len(pairs))
        for p, (lo, hi) in enumerate(pairs):
            scores = np.maximum(q[:, lo] - y, y - q[:, hi])
            corrections[p] = _conformal_correction(
                scores, levels[hi] - levels[lo], sample_weight
            )
        return corrections

    def _adjust(self, q):
        if not self.conformalize:
            return q
        q = q.copy()
        size = q.shape[1]
        for j, c in enumerate(self.conformal_corrections_):
            q[:, j] -= c
            q[:, size - 1 - j] += c
        return _widen_to_nested(q, size // 2)

    # -- prediction -------------------------------------------------------
    def _base_predictions(self, X):
        return np.stack(
            [np.asarray(m.predict(X), dtype=np.float64) for m in self.estimators_],
            axis=1,
        )

    def predict(self, X, quantiles=None, *, calibrated: bool = True) -> np.ndarray:
        """Aggregated (and, if fitted with ``conformalize=True``, calibrated) quantiles.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        quantiles : array-like of float, default=None
            A strictly increasing subset of ``quantiles_``; ``None`` means all.
            Other levels raise a ``ValueError`` (weights exist only for the
            fitted levels).
        calibrated : bool, default=True
            With ``conformalize=True``, ``False`` returns the aggregate before
            the conformal correction (to see what calibration changed).

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles)
            Non-decreasing across levels.
        """
        check_is_fitted(self)
        X = validate_passthrough(self, X, reset=False)
        index = None if quantiles is None else match_levels(quantiles, self.quantiles_)
        q = self._aggregate(self._base_predictions(X), X)
        if calibrated:
            q = self._adjust(q)
        return q if index is None else q[:, index]

    def predict_interval(
        self, X, coverage=0.9, *, calibrated: bool = True
    ) -> np.ndarray:
        """Central interval between levels ``(1 - coverage) / 2`` and its mirror.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        coverage : float or array-like of float, default=0.9
            Nominal coverage(s); each one of ``coverages_`` (a ``ValueError``
            naming them otherwise: no interpolation between levels). ``None``
            uses the largest of ``coverages_``.
        calibrated : bool, default=True
            As in :meth:`predict`.

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2) or (n_samples, 2, n_levels)
            Lower and upper bounds; a third axis when ``coverage`` is an
            array, one entry per level in the order given.
        """
        check_is_fitted(self)
        if coverage is None:
            coverage = default_coverage(self.quantiles_)
        lower, upper, scalar = coverage_columns(coverage, self.quantiles_)
        q = self.predict(X, calibrated=calibrated)
        return stack_interval(q[:, lower], q[:, upper], scalar)

    def predict_weights(self, X) -> np.ndarray:
        """Aggregation weights at each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        weights : ndarray of shape (n_samples, n_estimators, n_quantiles)
            Non-negative, summing to one over the estimators. Constant over
            samples unless ``weighting="local"``.
        """
        check_is_fitted(self)
        X = validate_passthrough(self, X, reset=False)
        return np.array(self._weights_for(X, num_samples(X)))

    def weights_to_frame(self):
        """``weights_`` as a pandas DataFrame labelled by estimator and level.

        Returns
        -------
        frame : pandas.DataFrame
            One row per base model (index ``estimator_names_``, named
            ``"estimator"``); one column per level of ``quantiles_`` for
            ``weighting="per_quantile"`` and ``"local"`` (the average local
            weights), a single column ``"weight"`` for ``"global"``.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import QuantileRegressor
        >>> from skvariance.quantile import KNNQuantileRegressor, QuantileAggregator
        >>> X, y = make_regression(n_samples=100, n_features=2, noise=5, random_state=0)
        >>> agg = QuantileAggregator(
        ...     [QuantileRegressor(alpha=0.0), KNNQuantileRegressor()],
        ...     quantiles=[0.1, 0.5, 0.9], random_state=0,
        ... ).fit(X, y)
        >>> frame = agg.weights_to_frame()
        >>> frame.index.tolist(), frame.columns.tolist()
        (['quantileregressor', 'knnquantileregressor'], [0.1, 0.5, 0.9])
        """
        check_is_fitted(self)
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dep
            raise ImportError(
                "weights_to_frame needs pandas; weights_ holds the same numbers."
            ) from exc
        index = pd.Index(self.estimator_names_, name="estimator")
        if self.weights_.ndim == 1:
            return pd.DataFrame({"weight": self.weights_}, index=index)
        columns = pd.Index(self.quantiles_.tolist(), name="quantile")
        return pd.DataFrame(self.weights_, index=index, columns=columns)

    def __sklearn_tags__(self):
        # X reaches every base model as given
        models = [
            item[1] if isinstance(item, tuple) and len(item) == 2 else item
            for item in (self.estimators if isinstance(self.estimators, list) else [])
        ]
        return passthrough_tags(super().__sklearn_tags__(), models)

    def get_metadata_routing(self):
        """Metadata routing: the aggregator consumes ``sample_weight`` itself.

        ``fit`` metadata go to every base model's ``fit`` by its requests;
        ``sample_weight`` is also consumed by the aggregator (its weight fit
        and conformal step), so no base model needs to request it.

        Returns
        -------
        routing : MetadataRouter
        """
        return build_router(self, **dict(self._named_estimators()))

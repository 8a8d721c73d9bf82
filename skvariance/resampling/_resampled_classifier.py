"""ResampledClassifier: upsample, upweight, SMOTE or undersample inside ``fit``."""

from __future__ import annotations

import inspect
import math

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets

from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _check_method_params,
    _fit_context,
    _safe_indexing,
    check_is_fitted,
    validate_data,
)
from ..utils.crossfit import check_splits, cross_fit_predict
from ..utils.metadata import (
    accepts_sample_weight,
    routing_enabled,
    sample_weight_params,
)
from ..utils.validation import check_n_jobs, check_sample_weight
from ._smote import SMOTE

__all__ = ["ResampledClassifier", "target_distribution"]

STRATEGIES = ("none", "upweight", "upsample", "smote", "undersample")
_TINY = 1e-15  # probabilities below this are read as this on the log scale


def target_distribution(class_mass, temperature: float) -> np.ndarray:
    """Temperature-scaled class distribution ``p_k ∝ n_k ** (1 / temperature)``.

    Parameters
    ----------
    class_mass : array-like of shape (n_classes,)
        Class sizes (or total sample weight per class), all positive.
    temperature : float >= 1
        1 keeps the data distribution; ``inf`` gives uniform classes.

    Returns
    -------
    p : ndarray of shape (n_classes,)
        Sums to 1.

    Examples
    --------
    >>> target_distribution([900, 100], 1.0)
    array([0.9, 0.1])
    >>> target_distribution([900, 100], 2.0)
    array([0.75, 0.25])
    >>> target_distribution([900, 100], float("inf"))
    array([0.5, 0.5])
    """
    mass = np.asarray(class_mass, dtype=float)
    if math.isinf(temperature):
        p = np.ones_like(mass)
    else:
        p = mass ** (1.0 / temperature)
    return p / p.sum()


def _rebalance(
    X, y_enc, sw, strategy, target, rng, *, k_neighbors, n_jobs, classes, shrink=False
):
    """Resample or reweight ``(X, y_enc, sw)`` toward class distribution ``target``.

    Returns ``(X, y_enc, weights, take)``. ``weights`` is None when no weights
    were given and none are needed. ``take`` holds, for every output row, the
    index of the input row it is (a copy of); it is None for ``"smote"``,
    whose synthetic rows have no single source. Original rows come first, in
    order, except for ``"undersample"``, which keeps a subset in order.
    ``shrink`` lets ``"smote"`` over-sample a class with few rows (see
    :func:`_smote`).
    """
    n_classes = target.shape[0]
    n = y_enc.shape[0]
    w = np.ones(n) if sw is None else sw
    counts = np.bincount(y_enc, minlength=n_classes)
    mass = np.bincount(y_enc, weights=w, minlength=n_classes)
    present = counts > 0
    if np.any(present & (mass <= 0)):
        label = classes[np.flatnonzero(present & (mass <= 0))[0]]
        raise ValueError(
            f"sample_weight sums to zero over class {label!r}; every class needs "
            "a positive total weight to be rebalanced."
        )
    if strategy == "none":
        return X, y_enc, sw, np.arange(n)
    prior = mass / mass.sum()
    if strategy == "upweight":
        factor = np.zeros(n_classes)
        factor[present] = target[present] / prior[present]
        return X, y_enc, w * factor[y_enc], np.arange(n)
    mean_w = np.where(present, mass / np.maximum(counts, 1), 1.0)
    if strategy in ("upsample", "smote"):
        total = np.max(mass[present] / target[present])
        extra = np.clip(target * total - mass, 0.0, None)
        n_extra = np.where(present, np.rint(extra / mean_w), 0).astype(np.int64)
        if strategy == "smote":
            return _smote(
                X, y_enc, sw, counts, n_extra, rng, k_neighbors, n_jobs, shrink=shrink
            )
        parts = [np.arange(n)]
        for c in np.flatnonzero(n_extra):
            index = np.flatnonzero(y_enc == c)
            parts.append(index[rng.randint(0, index.shape[0], size=n_extra[c])])
        take = np.concatenate(parts)
    else:
        # undersample: keep target * total of each class, total as large as
        # possible
        total = np.min(mass[present] / target[present])
        n_keep = np.where(
            present, np.clip(np.rint(target * total / mean_w), 1, counts), 0
        ).astype(np.int64)
        parts = []
        for c in np.flatnonzero(present):
            index = np.flatnonzero(y_enc == c)
            parts.append(rng.choice(index, size=n_keep[c], replace=False))
        take = np.sort(np.concatenate(parts))
    return (
        _safe_indexing(X, take),
        y_enc[take],
        None if sw is None else sw[take],
        take,
    )


def _smote(X, y_enc, sw, counts, n_extra, rng, k_neighbors, n_jobs, *, shrink=False):
    """Add ``n_extra[c]`` SMOTE rows to each class with the family's SMOTE.

    With ``shrink`` (``partial_fit``: a batch may hold few rows of a class) a
    class with ``m <= k_neighbors`` rows is interpolated with ``m - 1``
    neighbours, and a class with a single row gets copies of it; classes
    with more rows are over-sampled exactly as without ``shrink``.
    """
    if not n_extra.any():
        return X, y_enc, sw, None
    grow = np.flatnonzero(n_extra)
    k_of = {int(c): int(k_neighbors) for c in grow}
    if shrink:
        k_of = {c: min(k, int(counts[c]) - 1) for c, k in k_of.items()}
    n = y_enc.shape[0]
    parts_X, parts_y, parts_w = [X], [y_enc], [sw]
    for k in sorted(set(k_of.values()), reverse=True):
        group = [c for c in k_of if k_of[c] == k]
        if k == 0:  # a single row: its extra rows are copies of it
            for c in group:
                take = np.repeat(np.flatnonzero(y_enc == c), n_extra[c])
                parts_X.append(X[take])
                parts_y.append(y_enc[take])
                parts_w.append(None if sw is None else sw[take])
            continue
        sampler = SMOTE(
            sampling_strategy={c: int(counts[c] + n_extra[c]) for c in group},
            k_neighbors=k,
            random_state=int(rng.randint(np.iinfo(np.int32).max)),
            n_jobs=n_jobs,
        )
        out = sampler.fit_resample(X, y_enc, sample_weight=sw)
        parts_X.append(np.asarray(out[0])[n:])
        parts_y.append(np.asarray(out[1], dtype=y_enc.dtype)[n:])
        parts_w.append(None if sw is None else np.asarray(out[2])[n:])
    X_r = np.concatenate(parts_X)
    y_r = np.concatenate(parts_y)
    w_r = None if sw is None else np.concatenate(parts_w)
    return X_r, y_r, w_r, None


def _stack(parts):
    """Rows of dense arrays or sparse matrices, one after the other."""
    if any(sparse.issparse(part) for part in parts):
        return sparse.vstack(parts, format="csr")
    return np.concatenate(parts)


def _n_folds(cv):
    """Number of folds of ``cv`` when it is known before splitting."""
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        return int(cv)
    if hasattr(cv, "n_splits") and isinstance(cv.n_splits, Integral):
        return int(cv.n_splits)
    return None


def _softmax_logits(log_proba, coef, intercept):
    """Log of ``softmax(coef * log_proba + intercept)`` along the classes."""
    z = coef * log_proba + intercept
    return z - logsumexp(z, axis=1, keepdims=True)


def _log_clipped(proba):
    """``log(proba)`` with probabilities below ``_TINY`` read as ``_TINY``."""
    return np.log(np.maximum(proba, _TINY))


def _fit_logit_shift(proba, y_enc, weights, start):
    """Shared slope and per-class intercepts of ``p ∝ exp(a log p' + b)``.

    Weighted maximum likelihood on held-out rows (a convex problem);
    ``start`` holds the analytic intercepts ``log(pi / pi')``. Returns
    ``(a, b)`` with ``b[0] = 0``.
    """
    log_p = _log_clipped(proba)
    n_classes = proba.shape[1]
    onehot = np.eye(n_classes)[y_enc]
    w = weights / weights.sum()

    def loss(theta):
        b = np.concatenate([[0.0], theta[1:]])
        log_q = _softmax_logits(log_p, theta[0], b)
        grad_z = w[:, None] * (np.exp(log_q) - onehot)
        grad = np.concatenate([[np.sum(grad_z * log_p)], grad_z.sum(axis=0)[1:]])
        return -np.sum(w * log_q[np.arange(y_enc.shape[0]), y_enc]), grad

    theta0 = np.concatenate([[1.0], start[1:] - start[0]])
    result = minimize(loss, theta0, jac=True, method="L-BFGS-B")
    return float(result.x[0]), np.concatenate([[0.0], result.x[1:]])


def _weights_error(estimator, method, why, other_strategies):
    """The TypeError for an estimator that cannot be given the weights it needs."""
    name = type(estimator).__name__
    if routing_enabled():
        problem = f"does not request sample_weight in {method}"
        advice = (
            f"request it with set_{method}_request(sample_weight=True) on the "
            "estimator (on the steps that should receive it, in a Pipeline)"
        )
    else:
        problem = f"does not accept sample_weight in {method}"
        if isinstance(estimator, Pipeline) and method == "fit":
            last = type(estimator.steps[-1][1]).__name__
            problem += f" (its final step {last} does not)"
        advice = (
            "use an estimator, or a Pipeline whose final step, that takes "
            "sample_weight (or enable metadata routing and request it)"
        )
    if other_strategies:
        advice = f"use strategy={other_strategies}; or {advice}"
    return TypeError(f"estimator {name} {problem}, which {why}; {advice}.")


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class ResampledClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Rebalance classes inside ``fit`` -- by weights, copies, SMOTE or removal.

    The classifier is trained on a class distribution

    .. math:: p_k \\propto n_k^{1/T}

    (``temperature`` :math:`T`: 1 keeps the data, ``inf`` balances), reached
    by one of five strategies. By default its probabilities and its
    predictions are those of the rebalanced problem (the balanced decision
    rule, which catches the rare class); with ``prior_correction`` they are
    mapped back to the training prior :math:`\\pi` by

    .. math:: p(k \\mid x) \\propto p'(k \\mid x) \\, \\pi_k / \\pi'_k

    where :math:`\\pi'` is the class distribution it was actually trained
    on. Strategy and temperature are ordinary hyperparameters for
    :class:`~sklearn.model_selection.GridSearchCV`, and the whole thing is a
    plain scikit-learn classifier, usable in a
    :class:`~sklearn.pipeline.Pipeline`.

    Read more in the :ref:`User Guide <resampling>`.

    Parameters
    ----------
    estimator : estimator object
        A classifier or a :class:`~sklearn.pipeline.Pipeline` ending in one;
        cloned, never modified. ``strategy="upweight"`` and a user
        ``sample_weight`` need an estimator that takes ``sample_weight``: a
        Pipeline gets the weights at its final step, or, with metadata
        routing enabled, at the steps that request them
        (``set_fit_request(sample_weight=True)``). ``prior_correction``
        needs ``predict_proba``.
    strategy : {"upweight", "upsample", "smote", "undersample", "none"}, \
default="upweight"
        How the target distribution is reached:

        - ``"upweight"``: multiply each row's weight by :math:`p_k / \\pi_k`;
        - ``"upsample"``: keep every row, add copies drawn with replacement
          (a copy keeps its weight);
        - ``"smote"``: keep every row, add SMOTE rows (each gets the
          interpolation of its two parents' weights);
        - ``"undersample"``: keep a random subset of each class (at least
          one row per class);
        - ``"none"``: fit on the data as given.

        Class sizes are total sample weights (row counts without weights),
        so an integer weight acts like that many copies of the row.
    temperature : float >= 1, default=inf
        Temperature :math:`T` of the target distribution.
    prior_correction : bool or "cv", default=False
        Whether to map ``predict_proba`` back to the training prior;
        ``predict`` always takes the most probable class of
        ``predict_proba``, so this also chooses the decision rule.

        - ``False`` (default): keep the rebalanced probabilities, and with
          them the balanced decision rule -- what rebalancing is usually
          for: the rare class is predicted about as readily as the common
          ones (high recall of the rare class). The probabilities are those
          of the rebalanced problem, not of the data: over-confident about
          the rare class, so their log-loss is worse.

        - ``True``: the analytic correction (Bayes' rule, see Notes). Exact
          when the estimator's probabilities are calibrated on the data it
          was trained on (a well-specified logistic regression fitted by a
          full-batch solver); a flexible learner (boosting, forests, deep
          trees) overfits the rebalanced rare rows and is then left
          over-confident about the rare class.
        - ``"cv"``: a correction fitted on held-out rows. Clones of the
          whole rebalancing (with ``prior_correction=False``) are fitted on
          the training folds of ``cv``; their probabilities :math:`p'` on
          the held-out *original* rows (never resampled) fit
          :math:`p(k \\mid x) \\propto \\exp(a \\log p'(k \\mid x) + b_k)`
          (one slope :math:`a`, one intercept per class, :math:`b_0 = 0`) by
          weighted maximum likelihood -- Platt scaling for two classes. The
          analytic correction is the special case :math:`a = 1`,
          :math:`b_k = \\log(\\pi_k / \\pi'_k)`. Costs ``cv`` extra fits;
          ``fit`` only (``partial_fit`` raises).

        With ``True`` or ``"cv"``, ``predict`` is the most probable class
        under the *training* prior again, which undoes the rebalancing for
        ``predict``: on statsmodels' ``fair`` data (32% positives) with SMOTE
        and a logistic regression, held-out recall of the rare class is 0.64
        with ``False`` and 0.37 with ``True``, log-loss 0.599 against 0.548
        (``benchmarks/bench_resampled_default.py``). Choose ``False`` to
        catch the rare class, ``"cv"`` (or ``True`` for a calibrated
        full-batch model) for probabilities that mean what they say, and
        pick a threshold on them for the decision.
    cv : int, cross-validation generator or iterable, default=5
        Folds of ``prior_correction="cv"`` (ignored otherwise): an int is a
        shuffled :class:`~sklearn.model_selection.StratifiedKFold` seeded
        from ``random_state`` (:func:`skvariance.utils.crossfit.make_splitter`);
        the test folds must partition the rows, and every class needs a row
        in every training fold.
    k_neighbors : int, default=5
        Neighbours for ``strategy="smote"``.
    schedule : {None, "cooldown"}, default=None
        For estimators with ``partial_fit``: ``"cooldown"`` trains
        ``n_epochs`` passes over the data in ``fit`` (or uses one step per
        ``partial_fit`` call), with the inverse temperature moving linearly
        from ``1 / temperature`` (balanced by default) to 1 (the data
        distribution) over ``n_epochs`` steps.
    n_epochs : int, default=10
        Number of steps of the cooldown schedule.
    replay_size : int >= 0 or "auto", default="auto"
        For :meth:`partial_fit`: the last ``replay_size`` rows of each class
        (with their weights, in arrival order; ``fit`` fills the memory too)
        are kept, and a batch that lacks a class is trained with that
        class's remembered rows added (then rebalanced like any batch), so
        the stream does not forget a class that stops arriving. The
        remembered rows count in ``resampled_prior_`` (the model trained on
        them), not in ``class_prior_`` (the data). ``"auto"`` is 50 for the
        rebalancing strategies and 0 (no replay) for ``strategy="none"``.
    n_jobs : int, default=None
        Checked with scikit-learn's meaning (see
        :func:`~skvariance.utils.check_n_jobs`: ``0`` is refused) but without
        effect: the neighbour search of ``strategy="smote"`` is a compiled
        loop, which uses every core, capped by
        ``skvariance.set_config(max_threads=...)`` (see :ref:`threads`). The
        result does not depend on the number of threads.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws of copies, SMOTE rows and subsets (one
        ``RandomState`` per ``fit``). The estimator's own ``random_state`` is
        left as the user set it.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_prior_ : ndarray of shape (n_classes,)
        Training class distribution :math:`\\pi` (by total sample weight).
    resampled_prior_ : ndarray of shape (n_classes,)
        Class distribution :math:`\\pi'` the estimator was trained on: with
        several steps (``schedule="cooldown"``, ``partial_fit``), the mixture
        of the class masses of all steps.
    calibration_coef_ : float
        Slope :math:`a` of the cross-fitted correction (only with
        ``prior_correction="cv"``).
    calibration_intercept_ : ndarray of shape (n_classes,)
        Intercepts :math:`b_k` of the cross-fitted correction,
        :math:`b_0 = 0` (only with ``prior_correction="cv"``).
    n_steps_ : int
        Number of ``fit``/``partial_fit`` calls made on the estimator.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen in ``fit``, when they are strings.

    See Also
    --------
    SMOTE : the over-sampler behind ``strategy="smote"``.
    imblearn.pipeline.Pipeline : resampling as a pipeline step.

    Notes
    -----
    Upweighting and upsampling reach the same expected loss; under
    full-batch deterministic solvers they give the same model (an integer
    weight equals duplicating the row), under stochastic training they do
    not -- upsampling gives lower-variance gradients and overfits small
    classes sooner -- which is why the choice is a hyperparameter [1]_.
    The prior correction is Bayes' rule for a change of class prior [2]_.
    After several steps (``partial_fit``, ``schedule="cooldown"``) the
    estimator has seen a mixture of class distributions, and :math:`\\pi'`
    is that mixture (the class masses of all steps added up), so a batch
    without a class does not remove the class from the predictions; the
    replay memory (``replay_size``) keeps the model itself from forgetting
    it.

    ``partial_fit`` after ``fit`` continues from the fit: the fitted
    estimator is updated, the fit's data count in ``class_prior_``, its
    trained class mass in ``resampled_prior_``, its last rows fill the
    replay memory, and the random stream goes on from where ``fit`` left
    it. ``fit`` starts everything afresh, whatever came before. With
    ``strategy="smote"``, a ``partial_fit`` batch holding ``m <= k_neighbors``
    rows of a class it over-samples interpolates them with ``m - 1``
    neighbours, and copies the row when ``m = 1`` (``fit`` needs
    ``k_neighbors + 1`` rows and says so).

    The analytic correction is only as good as the estimator's
    calibration on the rebalanced data. On a 6% class, for example,
    HistGradientBoosting with the analytic correction has a higher held-out
    log-loss than with no rebalancing at all; ``prior_correction="cv"``
    measures the map on rows the model did not see instead (see
    ``benchmarks/bench_resampled_trust.py``). Probabilities below
    ``1e-15`` are read as ``1e-15`` on its log scale.

    Weights (the rebalancing weights of ``"upweight"``, a user
    ``sample_weight`` under any strategy) go to ``estimator.fit`` as
    ``sample_weight``, or to a Pipeline's final step; with metadata routing
    enabled this is a router (:meth:`get_metadata_routing`), and the
    estimator or Pipeline steps that request ``sample_weight`` receive the
    rebalanced weights.

    References
    ----------
    .. [1] "Upsample or Upweight? Balanced Training on Heavily Imbalanced
       Datasets", 2024.
    .. [2] M. Saerens, P. Latinne, C. Decaestecker, "Adjusting the outputs
       of a classifier to new a priori probabilities: a simple procedure",
       Neural Computation 14(1), 21-41, 2002.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvariance.resampling import ResampledClassifier
    >>> X, y = make_classification(n_samples=600, weights=[0.9, 0.1],
    ...                            random_state=0)
    >>> clf = ResampledClassifier(LogisticRegression(), strategy="upsample",
    ...                           random_state=0).fit(X, y)
    >>> clf.class_prior_.round(3), clf.resampled_prior_.round(3)
    (array([0.897, 0.103]), array([0.5, 0.5]))
    >>> clf.predict_proba(X[:2]).round(3)
    array([[0.996, 0.004],
           [0.745, 0.255]])

    The default keeps the balanced decision rule; the prior correction
    gives probabilities of the data's prior, and the decision rule with it:

    >>> from sklearn.metrics import recall_score
    >>> corrected = ResampledClassifier(LogisticRegression(), strategy="upsample",
    ...                                 prior_correction=True,
    ...                                 random_state=0).fit(X, y)
    >>> corrected.predict_proba(X[:2]).round(3)
    array([[1.   , 0.   ],
           [0.962, 0.038]])
    >>> recall = [recall_score(y, m.predict(X)) for m in (clf, corrected)]
    >>> [round(float(r), 2) for r in recall]
    [0.94, 0.76]

    The cross-fitted correction, for learners that are not calibrated:

    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> clf = ResampledClassifier(HistGradientBoostingClassifier(max_iter=20),
    ...                           strategy="upsample", prior_correction="cv", cv=3,
    ...                           random_state=0).fit(X, y)
    >>> clf.calibration_intercept_.shape
    (2,)
    >>> bool(0 < clf.calibration_coef_ < 2)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "strategy": [StrOptions(set(STRATEGIES))],
        "temperature": [Interval(Real, 1, math.inf, closed="both")],
        "prior_correction": ["boolean", StrOptions({"cv"})],
        "cv": ["cv_object"],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "schedule": [StrOptions({"cooldown"}), None],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "replay_size": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        *,
        strategy: str = "upweight",
        temperature: float = float("inf"),
        prior_correction: bool | str = False,
        cv=5,
        k_neighbors: int = 5,
        schedule: str | None = None,
        n_epochs: int = 10,
        replay_size: int | str = "auto",
        n_jobs: int | None = None,
        random_state=None,
    ):
        self.estimator = estimator
        self.strategy = strategy
        self.temperature = temperature
        self.prior_correction = prior_correction
        self.cv = cv
        self.k_neighbors = k_neighbors
        self.schedule = schedule
        self.n_epochs = n_epochs
        self.replay_size = replay_size
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- validation -------------------------------------------------------
    def _weight_need(self, sample_weight):
        """Why the estimator must take weights (None if it need not)."""
        if sample_weight is not None:
            return "the given sample_weight needs (every strategy passes it on)"
        if self.strategy == "upweight":
            return "strategy='upweight' needs"
        return None

    def _check_estimator(self, method, sample_weight):
        """Refuse, before any work, an estimator that cannot do what is asked."""
        name = type(self.estimator).__name__
        if method == "partial_fit" and not hasattr(self.estimator, "partial_fit"):
            raise TypeError(
                f"estimator {name} has no partial_fit; schedule='cooldown' and "
                "ResampledClassifier.partial_fit need one (SGDClassifier, ...)."
            )
        why = self._weight_need(sample_weight)
        if why is not None:
            if routing_enabled():
                ok = get_routing_for_object(self.estimator).consumes(
                    method, ["sample_weight"]
                )
            elif method == "fit":
                ok = accepts_sample_weight(self.estimator)
            else:
                ok = (
                    "sample_weight"
                    in inspect.signature(self.estimator.partial_fit).parameters
                )
            if not ok:
                others = (
                    "'upsample', 'smote' or 'undersample'"
                    if sample_weight is None
                    else ""
                )
                raise _weights_error(self.estimator, method, why, others)
        if self.prior_correction is not False and not hasattr(
            self.estimator, "predict_proba"
        ):
            raise TypeError(
                f"estimator {name} has no predict_proba, which "
                f"prior_correction={self.prior_correction!r} needs; set "
                "prior_correction=False."
            )

    def _validate(self, X, y, sample_weight, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], reset=reset)
        check_classification_targets(y)
        sw = None
        if sample_weight is not None:
            sw = check_sample_weight(np.asarray(sample_weight), X)
        if sparse.issparse(X) and self.strategy == "smote":
            raise TypeError(
                "strategy='smote' needs a dense X; got a sparse matrix. Use "
                "strategy='upsample' or 'upweight' for sparse data."
            )
        return X, y, sw

    def _step(
        self, X, y_enc, sw, class_mass, temperature, rng, method, params, shrink=False
    ):
        """Rebalance toward ``temperature`` and fit or partial_fit once.

        ``class_mass`` (total weight per class, seen so far) sets the target
        distribution; ``params`` are the other routed fit parameters. Returns
        the class mass the estimator was trained on in this step.
        """
        target = target_distribution(np.maximum(class_mass, 0.0), temperature)
        present = np.bincount(y_enc, minlength=target.shape[0]) > 0
        target = np.where(present, target, 0.0)
        target = target / target.sum()
        X_r, y_r, w_r, take = _rebalance(
            X,
            y_enc,
            sw,
            self.strategy,
            target,
            rng,
            k_neighbors=self.k_neighbors,
            n_jobs=self.n_jobs,
            classes=self.classes_,
            shrink=shrink,
        )
        kwargs = dict(params)
        if kwargs and take is None:
            # scikit-learn's rule (as in cross-validation): an array-like as
            # long as X is per-sample, and _check_method_params indexes it
            aligned = _check_method_params(X, kwargs, np.arange(X.shape[0]))
            aligned = sorted(k for k in kwargs if aligned[k] is not kwargs[k])
            if aligned:
                raise TypeError(
                    f"strategy='smote' makes rows that have no value of the "
                    f"per-sample fit parameter(s) {aligned}; use strategy="
                    "'upsample', 'upweight' or 'undersample' with them."
                )
        elif kwargs:
            kwargs = _check_method_params(X, kwargs, take)
        if w_r is not None:
            if method == "fit" and not routing_enabled():
                kwargs.update(sample_weight_params(self.estimator_, w_r))
            else:
                kwargs["sample_weight"] = w_r
        if method == "partial_fit":
            kwargs["classes"] = self.classes_
        getattr(self.estimator_, method)(X_r, self.classes_[y_r], **kwargs)
        w = np.ones(y_r.shape[0]) if w_r is None else w_r
        return np.bincount(y_r, weights=w, minlength=self.classes_.shape[0])

    def _schedule_temperature(self, step):
        if self.schedule is None:
            return self.temperature
        s = 1.0 if self.n_epochs == 1 else min(step / (self.n_epochs - 1), 1.0)
        inverse = (1.0 - s) / self.temperature + s
        return math.inf if inverse == 0.0 else 1.0 / inverse

    def _record(self, trained_mass):
        """Add one step's trained class mass; update ``resampled_prior_``."""
        self._trained_mass = self._trained_mass + trained_mass
        self.resampled_prior_ = self._trained_mass / self._trained_mass.sum()

    def _routed(self, method, sample_weight, params):
        """Fit parameters for the estimator's ``method`` (all but the weights)."""
        if not routing_enabled():
            if params:
                raise TypeError(
                    f"ResampledClassifier.{method} got the extra parameter(s) "
                    f"{sorted(params)}, which it routes to the estimator only "
                    "with metadata routing enabled "
                    "(sklearn.set_config(enable_metadata_routing=True))."
                )
            return {}
        callee = "fit" if method == "fit" and self.schedule is None else "partial_fit"
        routed = process_routing(self, method, sample_weight=sample_weight, **params)
        routed = dict(routed.estimator[callee])
        routed.pop("sample_weight", None)  # replaced by the rebalanced weights
        return routed

    # -- fitting ------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Rebalance the classes and fit a clone of ``estimator``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (dense for ``strategy="smote"``).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, carried through the rebalancing.
        **fit_params : dict
            Other parameters for the estimator's ``fit``, only with metadata
            routing enabled (``sklearn.set_config(enable_metadata_routing=True)``)
            and requested by the estimator. Per-sample ones follow their rows
            through copies and removals (not through ``strategy="smote"``).

        Returns
        -------
        self : ResampledClassifier
        """
        check_n_jobs(self.n_jobs)
        method = "fit" if self.schedule is None else "partial_fit"
        self._check_estimator(method, sample_weight)
        params = self._routed("fit", sample_weight, fit_params)
        X, y, sw = self._validate(X, y, sample_weight, reset=True)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"y has only one class ({self.classes_[0]!r}); "
                "ResampledClassifier needs at least two classes."
            )
        counts = np.bincount(y_enc)
        n_folds = _n_folds(self.cv) if self.prior_correction == "cv" else None
        if n_folds is not None and counts.min() < n_folds:
            raise ValueError(
                f"prior_correction='cv' with cv={self.cv!r} needs at least "
                f"{n_folds} rows of every class; class "
                f"{self.classes_[np.argmin(counts)]!r} has {counts.min()}. Use "
                "fewer folds or prior_correction=True."
            )
        w = np.ones(y_enc.shape[0]) if sw is None else sw
        class_mass = np.bincount(y_enc, weights=w)
        self.class_prior_ = class_mass / class_mass.sum()
        rng = check_random_state(self.random_state)
        self.estimator_ = clone(self.estimator)
        self._trained_mass = np.zeros(self.classes_.shape[0])
        n_steps = 1 if self.schedule is None else self.n_epochs
        for step in range(n_steps):
            temperature = self._schedule_temperature(step)
            self._record(
                self._step(X, y_enc, sw, class_mass, temperature, rng, method, params)
            )
        self.n_steps_ = n_steps
        for name in ("calibration_coef_", "calibration_intercept_"):
            self.__dict__.pop(name, None)
        if self.prior_correction == "cv":
            self._cross_fit_correction(X, y, y_enc, sw, fit_params, rng)
        # the state partial_fit continues from: the data mass seen, the
        # random stream and the replay memory all start from this fit
        self._data_mass = class_mass
        self._rng = rng
        self._memory = [None] * self.classes_.shape[0]
        self._remember(X, y_enc, sw)
        return self

    def _cross_fit_correction(self, X, y, y_enc, sw, fit_params, rng):
        """Fit the logit recalibration on held-out rows (``prior_correction="cv"``).

        A clone without correction is fitted on the rebalanced training
        folds; its probabilities on the held-out original rows are the
        features of a multinomial logit with one shared slope and one
        intercept per class, fitted by weighted maximum likelihood.
        """
        seed = int(rng.randint(np.iinfo(np.int32).max))
        splits = check_splits(self.cv, X, y_enc, seed, classifier=True)
        for train, _ in splits:
            missing = np.setdiff1d(np.arange(self.classes_.shape[0]), y_enc[train])
            if missing.size:
                raise ValueError(
                    f"prior_correction='cv' needs every class in every training "
                    f"fold; class {self.classes_[missing[0]]!r} is missing from "
                    f"one of cv={self.cv!r}."
                )
        inner = clone(self).set_params(prior_correction=False, random_state=seed)
        raw = cross_fit_predict(
            inner,
            X,
            y,
            splits,
            sample_weight=sw,
            fit_params=fit_params,
            method="predict_proba",
            name="ResampledClassifier",
        )
        w = np.ones(y_enc.shape[0]) if sw is None else sw
        start = np.log(self.class_prior_) - np.log(self.resampled_prior_)
        self.calibration_coef_, self.calibration_intercept_ = _fit_logit_shift(
            raw, y_enc, w, start
        )

    def _replay_rows(self):
        """Rows kept per class for replay (0: no replay)."""
        if self.replay_size == "auto":
            return 0 if self.strategy == "none" else 50
        return int(self.replay_size)

    def _remember(self, X, y_enc, sw):
        """Keep the last ``replay_size`` rows of each class, in arrival order."""
        size = self._replay_rows()
        if size == 0:
            return
        for c in np.unique(y_enc):
            rows = np.flatnonzero(y_enc == c)[-size:]
            X_c = _safe_indexing(X, rows)
            w_c = np.ones(rows.shape[0]) if sw is None else sw[rows]
            if self._memory[c] is not None:
                X_c = _stack([self._memory[c][0], X_c])
                w_c = np.concatenate([self._memory[c][1], w_c])
            keep = np.arange(max(w_c.shape[0] - size, 0), w_c.shape[0])
            self._memory[c] = (_safe_indexing(X_c, keep), w_c[keep])

    def _with_replay(self, X, y_enc, sw):
        """The batch plus the remembered rows of the classes it lacks."""
        present = np.bincount(y_enc, minlength=self.classes_.shape[0]) > 0
        replay = [
            c
            for c in np.flatnonzero(~present)
            if self._memory is not None and self._memory[c] is not None
        ]
        if not replay:
            return X, y_enc, sw
        weights = [self._memory[c][1] for c in replay]
        X_out = _stack([X] + [self._memory[c][0] for c in replay])
        y_out = np.concatenate(
            [y_enc]
            + [
                np.full(w.shape[0], c, dtype=y_enc.dtype)
                for c, w in zip(replay, weights)
            ]
        )
        if sw is None and all(np.all(w == 1.0) for w in weights):
            return X_out, y_out, None
        w_batch = np.ones(y_enc.shape[0]) if sw is None else sw
        return X_out, y_out, np.concatenate([w_batch] + weights)

    @available_if(_estimator_has("partial_fit"))
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Rebalance one batch and call the estimator's ``partial_fit``.

        The target distribution uses the class sizes seen so far, among the
        classes present in the batch; with ``schedule="cooldown"`` call ``t``
        uses the ``t``-th temperature of the schedule. The prior correction
        uses the class distribution of all data seen and the mixture of the
        class distributions of all steps the estimator was trained on, so a
        batch that lacks a class does not erase it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One batch.
        y : array-like of shape (n_samples,)
            Its labels.
        classes : array-like of shape (n_classes,), default=None
            Every class; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the batch.

        Returns
        -------
        self : ResampledClassifier
        """
        first = not hasattr(self, "estimator_")
        if first:
            self._validate_params()
            check_n_jobs(self.n_jobs)
            if classes is None:
                raise ValueError("classes must be given on the first partial_fit.")
        if self.prior_correction == "cv":
            raise ValueError(
                "prior_correction='cv' fits its correction on held-out rows in "
                "fit and cannot follow a stream; use prior_correction=True (the "
                "analytic correction) with partial_fit."
            )
        self._check_estimator("partial_fit", sample_weight)
        params = self._routed("partial_fit", sample_weight, {})
        X, y, sw = self._validate(X, y, sample_weight, reset=first)
        if first:
            self.classes_ = np.unique(np.asarray(classes))
            self._data_mass = np.zeros(self.classes_.shape[0])
            self._trained_mass = np.zeros(self.classes_.shape[0])
            self._rng = check_random_state(self.random_state)
            self._memory = [None] * self.classes_.shape[0]
            self.estimator_ = clone(self.estimator)
            self.n_steps_ = 0
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={np.unique(np.asarray(classes)).tolist()} differs from "
                f"the classes of the first call {self.classes_.tolist()}."
            )
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y has labels {unknown.tolist()} not in classes "
                f"{self.classes_.tolist()}."
            )
        y_enc = np.searchsorted(self.classes_, y)
        w = np.ones(y_enc.shape[0]) if sw is None else sw
        self._data_mass = self._data_mass + np.bincount(
            y_enc, weights=w, minlength=self.classes_.shape[0]
        )
        self.class_prior_ = self._data_mass / self._data_mass.sum()
        temperature = self._schedule_temperature(self.n_steps_)
        X_fit, y_fit, sw_fit = self._with_replay(X, y_enc, sw)
        self._record(
            self._step(
                X_fit,
                y_fit,
                sw_fit,
                self._data_mass,
                temperature,
                self._rng,
                "partial_fit",
                params,
                shrink=True,
            )
        )
        self._remember(X, y_enc, sw)
        self.n_steps_ += 1
        return self

    def get_metadata_routing(self):
        """Metadata routing of this object.

        ``sample_weight`` is used by the ResampledClassifier itself (class
        sizes) and, rebalanced, given to the estimator's ``fit`` (or
        ``partial_fit``) when the estimator requests it; other requested
        fit parameters are routed to the estimator. See scikit-learn's
        metadata-routing user guide.

        Returns
        -------
        routing : MetadataRouter
        """
        mapping = MethodMapping().add(caller="partial_fit", callee="partial_fit")
        fit_callee = "fit" if self.schedule is None else "partial_fit"
        mapping = mapping.add(caller="fit", callee=fit_callee)
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(estimator=self.estimator, method_mapping=mapping)
        )

    # -- prediction ---------------------------------------------------------
    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, corrected to the training prior if asked.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        proba = self.estimator_.predict_proba(X)
        if self.prior_correction is False:
            return proba
        if self.prior_correction == "cv":
            return np.exp(
                _softmax_logits(
                    _log_clipped(proba),
                    self.calibration_coef_,
                    self.calibration_intercept_,
                )
            )
        ratio = np.divide(
            self.class_prior_,
            self.resampled_prior_,
            out=np.zeros_like(self.class_prior_),
            where=self.resampled_prior_ > 0,
        )
        proba = proba * ratio
        total = proba.sum(axis=1, keepdims=True)
        return np.divide(proba, total, out=np.zeros_like(proba), where=total > 0)

    @available_if(_estimator_has("predict_proba"))
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class: the most probable one after prior correction.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if self.prior_correction is not False:
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        return self.estimator_.predict(X)

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = (
            self.strategy != "smote" and get_tags(self.estimator).input_tags.sparse
        )
        return tags

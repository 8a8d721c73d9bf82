"""scikit-learn's ``verbose`` convention on the long-running parts.

``verbose=0`` prints nothing; ``verbose > 0`` prints progress (joblib's
messages per fit, and a line per stage where one helps); the results are the
same whatever ``verbose`` is.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, ParameterSampler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skvariance.calibration import (
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
)
from skvariance.ensemble import SeedEnsembleClassifier, SeedEnsembleRegressor
from skvariance.model_selection import (
    SeedSearchCV,
    cheap_bootstrap_ci,
    compare_estimators,
    hyperparameter_importance,
    seed_cross_validate,
)
from skvariance.quantile import KNNQuantileRegressor, QuantileAggregator
from skvariance.utils.parallel import check_verbose

Xc, yc = make_classification(n_samples=90, n_features=4, random_state=0)
Xr, yr = make_regression(n_samples=90, n_features=3, noise=5.0, random_state=0)


def _seed_cv(verbose):
    res = seed_cross_validate(
        DecisionTreeClassifier(max_depth=2),
        Xc,
        yc,
        cv=3,
        n_seeds=2,
        random_state=0,
        verbose=verbose,
    )
    return res.scores["score"]


def _compare(verbose):
    res = compare_estimators(
        [DecisionTreeClassifier(max_depth=1), LogisticRegression()],
        Xc,
        yc,
        cv=3,
        n_seeds=2,
        random_state=0,
        verbose=verbose,
    )
    return (
        res.scores["DecisionTreeClassifier"]
        if hasattr(res, "scores")
        else res.to_frame().to_numpy()
    )


def _cheap(verbose):
    res = cheap_bootstrap_ci(
        DecisionTreeClassifier(max_depth=2),
        Xc,
        yc,
        n_resamples=2,
        random_state=0,
        verbose=verbose,
    )
    return np.r_[res.estimate, res.replicates]


def _search(verbose):
    search = SeedSearchCV(
        DecisionTreeClassifier(),
        {"max_depth": [1, 2]},
        n_seeds=2,
        cv=2,
        random_state=0,
        verbose=verbose,
    ).fit(Xc, yc)
    return search.cv_results_["aggregated_test_score"]


def _importance(verbose):
    params = list(
        ParameterSampler({"alpha": np.logspace(-3, 3, 20)}, 8, random_state=0)
    )
    grid = [{"alpha": [p["alpha"]]} for p in params]
    search = GridSearchCV(Ridge(), grid, cv=2).fit(Xr, yr)
    res = hyperparameter_importance(
        search, method="fanova", n_trees=5, random_state=0, verbose=verbose
    )
    return np.array(list(res.main_effects.values()))


def _ens_reg(verbose):
    est = SeedEnsembleRegressor(
        DecisionTreeRegressor(max_depth=3, max_features=0.5),
        n_seeds=3,
        random_state=0,
        verbose=verbose,
    ).fit(Xr, yr)
    return est.predict(Xr)


def _ens_clf(verbose):
    est = SeedEnsembleClassifier(
        DecisionTreeClassifier(max_depth=3, max_features=0.5),
        n_seeds=3,
        random_state=0,
        verbose=verbose,
    ).fit(Xc, yc)
    return est.predict_proba(Xc)


def _gbr():
    from sklearn.ensemble import GradientBoostingRegressor

    return GradientBoostingRegressor(loss="quantile", n_estimators=5, random_state=0)


def _aggregator(verbose):
    est = QuantileAggregator(
        [("knn", KNNQuantileRegressor(n_neighbors=10)), ("gbr", _gbr())],
        quantiles=(0.1, 0.5, 0.9),
        cv=3,
        random_state=0,
        verbose=verbose,
    ).fit(Xr, yr)
    return est.predict(Xr)


def _conformal(method):
    def run(verbose):
        est = ConformalRegressor(
            DecisionTreeRegressor(max_depth=3),
            method=method,
            cv=3,
            n_resamples=20,
            random_state=0,
            verbose=verbose,
        ).fit(Xr, yr)
        return est.predict_interval(Xr)

    return run


def _conformal_clf(verbose):
    est = ConformalClassifier(
        LogisticRegression(),
        method="cv_plus",
        cv=3,
        random_state=0,
        verbose=verbose,
    ).fit(Xc, yc)
    return est.predict_set(Xc) if hasattr(est, "predict_set") else est.predict_proba(Xc)


def _conformal_quantile(verbose):
    est = ConformalQuantileRegressor(
        _gbr(),
        random_state=0,
        verbose=verbose,
    ).fit(Xr, yr)
    return est.predict_interval(Xr)


CASES = {
    "seed_cross_validate": (_seed_cv, "[seed_cross_validate] 6 fits"),
    "compare_estimators": (_compare, "[compare_estimators] 12 fits"),
    "cheap_bootstrap_ci": (_cheap, "[cheap_bootstrap_ci] 3 fits"),
    "SeedSearchCV": (_search, "Fitting 2 folds"),
    "hyperparameter_importance": (_importance, "[hyperparameter_importance] fanova"),
    "SeedEnsembleRegressor": (_ens_reg, "[Parallel(n_jobs=1)]"),
    "SeedEnsembleClassifier": (_ens_clf, "[Parallel(n_jobs=1)]"),
    "QuantileAggregator": (_aggregator, "[Parallel(n_jobs=1)]"),
    "ConformalRegressor-cv_plus": (_conformal("cv_plus"), "[Parallel(n_jobs=1)]"),
    "ConformalRegressor-jackknife_plus_ab": (
        _conformal("jackknife_plus_ab"),
        "[Parallel(n_jobs=1)]",
    ),
    "ConformalClassifier-cv_plus": (_conformal_clf, "[Parallel(n_jobs=1)]"),
    "ConformalQuantileRegressor": (_conformal_quantile, "[Parallel(n_jobs=1)]"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_verbose_prints_progress_and_changes_nothing_else(name, capfd):
    run, expected = CASES[name]
    quiet = run(0)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    loud = run(2)
    out, err = capfd.readouterr()
    assert expected in out + err
    np.testing.assert_array_equal(np.asarray(loud), np.asarray(quiet))


@pytest.mark.parametrize(
    "bad, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)]
)
def test_bad_verbose_is_rejected_before_any_fit(bad, error):
    with pytest.raises(error, match="verbose must be an int >= 0"):
        check_verbose(bad)
    with pytest.raises(error, match="verbose must be an int >= 0"):
        cheap_bootstrap_ci(LogisticRegression(), Xc, yc, verbose=bad)
    with pytest.raises(error, match="verbose must be an int >= 0"):
        compare_estimators(
            [LogisticRegression(), DecisionTreeClassifier()], Xc, yc, verbose=bad
        )
    with pytest.raises(ValueError, match="verbose"):
        seed_cross_validate(LogisticRegression(), Xc, yc, verbose=-1)
    with pytest.raises(ValueError, match="verbose"):
        SeedEnsembleRegressor(Ridge(), verbose=-1).fit(Xr, yr)

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from skvariance.weighting import RLearner


def _effects_data(n, seed, binary=True):
    """Confounded treatment, heterogeneous effect tau(x) = 1 + x_1."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 3))
    propensity = 1 / (1 + np.exp(-2.5 * X[:, 0]))  # from 0.08 to 0.92
    if binary:
        w = rng.binomial(1, propensity).astype(float)
    else:
        w = propensity + rng.normal(size=n)
    tau = 1.0 + X[:, 1]
    y = np.sin(2 * X[:, 0]) + X[:, 2] + w * tau + 0.5 * rng.normal(size=n)
    return X, y, w, tau


def _smooth():
    return make_pipeline(SplineTransformer(n_knots=5), Ridge(alpha=1e-3))


def _learner(**params):
    defaults = dict(
        outcome_model=_smooth(),
        treatment_model=LogisticRegression(),
        effect_model=LinearRegression(),
        random_state=0,
    )
    defaults.update(params)
    return RLearner(**defaults)


def test_linear_effect_model_minimises_the_r_loss_exactly():
    X, y, w, _ = _effects_data(400, 0, binary=False)
    rl = _learner(treatment_model=LinearRegression(), min_treatment_residual=0.0)
    rl.fit(X, y, treatment=w)
    r_y, r_w = rl.outcome_residuals_, rl.treatment_residuals_
    # R-loss sum [r_y - r_w (a + x'b)]^2 is least squares on [r_w, r_w * x]
    design = np.column_stack([r_w, r_w[:, None] * X])
    coef = np.linalg.lstsq(design, r_y, rcond=None)[0]
    np.testing.assert_allclose(rl.effect_model_.intercept_, coef[0], rtol=1e-8)
    np.testing.assert_allclose(rl.effect_model_.coef_, coef[1:], rtol=1e-8)
    np.testing.assert_allclose(rl.pseudo_outcome_ * r_w, r_y)
    np.testing.assert_allclose(rl.weights_, r_w**2)


def test_weighting_beats_the_unweighted_pseudo_outcome_regression():
    rmse_r, rmse_plain = [], []
    for seed in range(6):
        X, y, w, tau = _effects_data(1500, seed)
        rl = _learner(effect_model=_smooth()).fit(X, y, treatment=w)
        plain = _smooth().fit(X, rl.pseudo_outcome_)
        rmse_r.append(np.sqrt(np.mean((rl.predict(X) - tau) ** 2)))
        rmse_plain.append(np.sqrt(np.mean((plain.predict(X) - tau) ** 2)))
    assert np.mean(rmse_r) < 0.2
    assert np.mean(rmse_r) < 0.6 * np.mean(rmse_plain)
    assert sum(a < b for a, b in zip(rmse_r, rmse_plain)) == 6


def test_continuous_treatment_recovers_the_slope():
    X, y, w, _ = _effects_data(2000, 1, binary=False)
    rl = _learner(treatment_model=_smooth()).fit(X, y, treatment=w)
    assert rl.treatment_type_ == "continuous"
    np.testing.assert_allclose(rl.effect_model_.coef_, [0.0, 1.0, 0.0], atol=0.15)
    assert rl.effect_model_.intercept_ == pytest.approx(1.0, abs=0.15)


def test_small_treatment_residuals_are_clipped():
    X, y, w, _ = _effects_data(300, 2)
    rl = _learner(min_treatment_residual=0.3).fit(X, y, treatment=w)
    assert rl.n_clipped_ > 0
    assert np.abs(rl.treatment_residuals_).min() == pytest.approx(0.3)
    assert np.all(np.isfinite(rl.pseudo_outcome_))


def test_score_is_the_held_out_r_score():
    X, y, w, tau = _effects_data(2000, 3)
    rl = _learner().fit(X[:1000], y[:1000], treatment=w[:1000])
    good = rl.score(X[1000:], y[1000:], treatment=w[1000:])
    r_y = y[1000:] - rl.outcome_model_.predict(X[1000:])
    r_w = w[1000:] - rl.treatment_model_.predict_proba(X[1000:])[:, 1]
    loss = np.sum((r_y - r_w * rl.predict(X[1000:])) ** 2)
    assert good == pytest.approx(1 - loss / np.sum(r_y**2))
    assert good > 0
    with pytest.raises(ValueError, match="needs the treatment of the scored rows"):
        rl.score(X[1000:], y[1000:])


def test_grid_search_routes_the_treatment_per_split():
    X, y, w, _ = _effects_data(600, 4)
    grid = {"effect_model__alpha": [1e-3, 1e3]}
    with sklearn.config_context(enable_metadata_routing=True):
        rl = _learner(effect_model=Ridge()).set_fit_request(treatment=True)
        rl.set_score_request(treatment=True)
        search = GridSearchCV(rl, grid, cv=3).fit(X, y, treatment=w)
    assert search.best_params_ == {"effect_model__alpha": 1e-3}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    # without routing the treatment reaches fit per split, but scikit-learn
    # gives score no metadata: the error says what to do
    search = GridSearchCV(
        _learner(effect_model=Ridge()), grid, cv=3, error_score="raise"
    )
    with pytest.raises(ValueError, match="set_score_request"):
        search.fit(X, y, treatment=w)


def test_treatment_column_works_without_routing():
    X, y, w, _ = _effects_data(600, 5)
    Xw = np.column_stack([X, w])
    grid = {"effect_model__alpha": [1e-3, 1e3]}
    search = GridSearchCV(
        _learner(effect_model=Ridge(), treatment_column=-1), grid, cv=3
    )
    search.fit(Xw, y)
    assert search.best_params_ == {"effect_model__alpha": 1e-3}
    direct = _learner().fit(X, y, treatment=w)
    by_column = _learner(treatment_column=3).fit(Xw, y)
    np.testing.assert_allclose(by_column.predict(Xw), direct.predict(X))


def test_effect_model_pipeline_gets_the_weights_with_and_without_routing():
    X, y, w, _ = _effects_data(400, 6)
    plain = _learner().fit(X, y, treatment=w)
    piped = _learner(effect_model=make_pipeline(StandardScaler(), LinearRegression()))
    piped.fit(X, y, treatment=w)
    np.testing.assert_allclose(piped.predict(X), plain.predict(X), rtol=1e-7)
    unweighted = LinearRegression().fit(X, plain.pseudo_outcome_)
    assert not np.allclose(unweighted.predict(X), plain.predict(X))
    with sklearn.config_context(enable_metadata_routing=True):
        effect = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            LinearRegression().set_fit_request(sample_weight=True),
        )
        routed = _learner(effect_model=effect).fit(X, y, treatment=w)
    np.testing.assert_allclose(routed.predict(X), plain.predict(X), rtol=1e-7)


def test_user_weights_reach_every_model():
    X, y, w, _ = _effects_data(400, 7)
    sw = np.random.RandomState(0).uniform(0.2, 2.0, size=len(y))
    rl = _learner().fit(X, y, treatment=w, sample_weight=sw)
    np.testing.assert_allclose(rl.weights_, sw * rl.treatment_residuals_**2)
    with pytest.raises(TypeError, match="outcome_model KNeighborsRegressor"):
        _learner(outcome_model=KNeighborsRegressor()).fit(
            X, y, treatment=w, sample_weight=sw
        )


@pytest.mark.parametrize(
    "treatment, params, error, match",
    [
        (None, {}, ValueError, "needs the treatment"),
        (np.array(["a", "b"] * 20), {}, TypeError, "must be numeric"),
        (np.r_[np.nan, np.ones(39)], {}, ValueError, "finite"),
        (np.ones(40), {}, ValueError, "constant"),
        (np.tile([1.0, 2.0], 20), {"treatment_type": "binary"}, ValueError, "0 and 1"),
        (np.tile([0.0, 1.0], 20)[:30], {}, ValueError, "30 entries"),
        (np.ones((40, 2)), {}, ValueError, "1-d"),
        (np.tile([0.0, 1.0], 20), {"treatment_column": 0}, ValueError, "give one"),
        (
            np.tile([0.0, 1.0], 20),
            {"treatment_model": LinearRegression()},
            TypeError,
            "classifier with predict_proba",
        ),
        (
            np.linspace(0, 1, 40),
            {"treatment_model": LogisticRegression()},
            TypeError,
            "must be a regressor",
        ),
        (
            np.tile([0.0, 1.0], 20),
            {"effect_model": KNeighborsRegressor()},
            TypeError,
            "effect_model KNeighborsRegressor",
        ),
    ],
)
def test_bad_treatments_and_models_are_named(treatment, params, error, match):
    X, y, _, _ = _effects_data(40, 0)
    with pytest.raises(error, match=match):
        _learner(**params).fit(X, y, treatment=treatment)

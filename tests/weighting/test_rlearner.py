import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from skvariance.weighting import OverlapWarning, RLearner


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
    rl = _learner(
        treatment_model=LinearRegression(),
        treatment_type="continuous",
        min_treatment_residual=0.0,
    )
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
    rl = _learner(treatment_model=_smooth(), treatment_type="continuous")
    rl.fit(X, y, treatment=w)
    assert rl.treatment_type_ == "continuous"
    assert rl.propensity_range_ is None and rl.n_extreme_propensity_ is None
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
            {"treatment_model": LogisticRegression(), "treatment_type": "continuous"},
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


@pytest.mark.parametrize(
    "treatment, match",
    [
        (np.tile([0.0, 1.0, 2.0], 20), r"3 distinct integer values \[0.0, 1.0, 2.0\]"),
        (np.tile([1, 2], 30), r"two values \[1.0, 2.0\]"),
        (np.linspace(-1, 1, 60), "60 distinct values"),
    ],
)
def test_auto_refuses_any_coding_but_zero_one(treatment, match):
    # before: 0/1/2 arms and a 1/2 binary coding became a continuous dose
    X, y, _, _ = _effects_data(60, 0)
    with pytest.raises(ValueError, match="treatment_type") as info:
        _learner().fit(X, y, treatment=treatment)
    assert info.match(match)
    assert "treatment_type='continuous'" in str(info.value)


def test_explicit_continuous_and_boolean_treatments_are_accepted():
    X, y, w, _ = _effects_data(300, 1)
    arms = np.random.RandomState(0).randint(0, 3, size=300).astype(float)
    rl = _learner(treatment_model=_smooth(), treatment_type="continuous")
    assert rl.fit(X, y, treatment=arms).treatment_type_ == "continuous"
    as_bool = _learner().fit(X, y, treatment=w.astype(bool))
    as_float = _learner().fit(X, y, treatment=w)
    assert as_bool.treatment_type_ == "binary"
    np.testing.assert_array_equal(as_bool.predict(X), as_float.predict(X))


def test_poor_overlap_alarms():
    rng = np.random.RandomState(2)
    X = rng.uniform(-1, 1, size=(600, 3))
    # P(W=1 | x) below 0.01 for x_0 < -0.38 and above 0.99 for x_0 > 0.38
    w = rng.binomial(1, 1 / (1 + np.exp(-12 * X[:, 0])))
    y = X[:, 1] + w + 0.5 * rng.normal(size=600)
    rl = _learner()
    with pytest.warns(OverlapWarning, match=r"Poor overlap: \d+ of 600 rows"):
        rl.fit(X, y, treatment=w)
    assert rl.n_extreme_propensity_ > 0.2 * 600
    low, high = rl.propensity_range_
    assert low < 0.01 and high > 0.99


def test_good_overlap_stays_quiet():
    # true propensities in [0.08, 0.92]; filterwarnings=error fails any warning
    X, y, w, _ = _effects_data(600, 3)
    rl = _learner().fit(X, y, treatment=w)
    low, high = rl.propensity_range_
    assert 0.01 < low < 0.2 and 0.8 < high < 0.99
    assert rl.n_extreme_propensity_ == 0


@pytest.mark.parametrize(
    "n_low, n_high, low, high, alarm",
    [
        (1, 1, 0.0099, 0.9901, False),  # 2 of 100 rows: not more than 2%
        (2, 1, 0.0099, 0.9901, True),  # 3 of 100
        (2, 1, 0.01, 0.99, False),  # exactly at the margin: not extreme
        (3, 0, 0.0, 0.5, True),
        (0, 3, 0.5, 1.0, True),
    ],
)
def test_overlap_thresholds_are_the_documented_ones(n_low, n_high, low, high, alarm):
    e_hat = np.r_[np.full(n_low, low), np.full(n_high, high)]
    e_hat = np.r_[e_hat, np.full(100 - len(e_hat), 0.5)]
    rl = RLearner()
    if alarm:
        with pytest.warns(OverlapWarning, match="within 0.01 of 0 or 1"):
            rl._check_overlap(e_hat, "binary")
    else:
        rl._check_overlap(e_hat, "binary")
    assert rl.n_extreme_propensity_ == (n_low + n_high if alarm or low < 0.01 else 0)
    assert rl.propensity_range_ == (e_hat.min(), e_hat.max())


def test_nuisances_are_cross_fitted_on_the_given_splits():
    # the reference: each fold's models fitted by hand on the other folds
    X, y, w, _ = _effects_data(300, 4)
    cv = StratifiedKFold(4, shuffle=True, random_state=1)
    rl = _learner(cv=cv, min_treatment_residual=0.0).fit(X, y, treatment=w)
    m_hat, e_hat = np.empty(300), np.empty(300)
    for train, test in cv.split(X, w):
        outcome = clone(_smooth()).fit(X[train], y[train])
        m_hat[test] = outcome.predict(X[test])
        treatment = LogisticRegression().fit(X[train], w[train])
        e_hat[test] = treatment.predict_proba(X[test])[:, 1]
    np.testing.assert_allclose(rl.outcome_residuals_, y - m_hat, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(rl.treatment_residuals_, w - e_hat, rtol=1e-9, atol=1e-9)


def test_overfitting_nuisance_needs_cross_fitting():
    # a 1-nearest-neighbour outcome model reproduces y in-sample: residuals
    # fitted in-sample are all 0 and the effect estimate collapses to 0.
    # Cross-fitted, the constant effect 2 is recovered.
    rng = np.random.RandomState(5)
    X = rng.uniform(-1, 1, size=(1000, 2))
    w = rng.binomial(1, 1 / (1 + np.exp(-X[:, 0]))).astype(float)
    y = X[:, 0] + 2.0 * w + 0.3 * rng.normal(size=1000)
    rl = _learner(
        outcome_model=KNeighborsRegressor(n_neighbors=1),
        effect_model=DummyRegressor(),
    ).fit(X, y, treatment=w)
    assert np.all(np.abs(rl.outcome_residuals_) > 0)
    assert rl.predict(X[:1])[0] == pytest.approx(2.0, abs=0.15)


def test_score_of_a_continuous_treatment_with_weights_is_the_formula():
    X, y, w, _ = _effects_data(600, 8, binary=False)
    y = 0.01 * y  # a baseline loss below 1
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=600)
    rl = _learner(treatment_model=LinearRegression(), treatment_type="continuous")
    rl.fit(X[:400], y[:400], treatment=w[:400])
    Xs, ys, ws, sws = X[400:], y[400:], w[400:], sw[400:]
    outcome = clone(_smooth()).fit(X[:400], y[:400])
    treatment = LinearRegression().fit(X[:400], w[:400])
    r_y = ys - outcome.predict(Xs)
    r_w = ws - treatment.predict(Xs)
    tau = rl.predict(Xs)
    expected = 1 - np.sum(sws * (r_y - r_w * tau) ** 2) / np.sum(sws * r_y**2)
    assert np.sum(sws * r_y**2) < 1
    assert rl.score(Xs, ys, treatment=ws, sample_weight=sws) == pytest.approx(
        expected, rel=1e-8
    )
    unweighted = 1 - np.sum((r_y - r_w * tau) ** 2) / np.sum(r_y**2)
    assert rl.score(Xs, ys, treatment=ws) == pytest.approx(unweighted, rel=1e-8)
    assert expected != pytest.approx(unweighted, rel=1e-3)


@pytest.mark.parametrize("effect, expected", [(0.0, 1.0), (1.0, -np.inf)])
def test_score_when_the_outcome_is_predicted_exactly(effect, expected):
    # zero baseline R-loss: 1 for a zero effect, -inf for any other
    X, _, w, _ = _effects_data(200, 9)
    y = np.full(200, 3.0)
    rl = _learner(
        outcome_model=DummyRegressor(),
        effect_model=DummyRegressor(strategy="constant", constant=effect),
    ).fit(X, y, treatment=w)
    assert rl.score(X, y, treatment=w) == expected


def test_other_fit_metadata_is_routed_to_the_requesting_model():
    class Recording(LinearRegression):
        def fit(self, X, y, sample_weight=None, tag=None):
            self.tag_ = tag
            return super().fit(X, y, sample_weight=sample_weight)

    X, y, w, _ = _effects_data(200, 10)
    tag = np.arange(200.0)
    with sklearn.config_context(enable_metadata_routing=True):
        outcome = Recording().set_fit_request(tag=True, sample_weight=True)
        effect = LinearRegression().set_fit_request(sample_weight=True)
        rl = _learner(outcome_model=outcome, effect_model=effect)
        rl.set_fit_request(treatment=True)
        rl.fit(X, y, treatment=w, tag=tag)
    np.testing.assert_array_equal(rl.outcome_model_.tag_, tag)


@pytest.mark.parametrize(
    "values, message",
    [
        (np.arange(5), "has 5 distinct integer values [0.0, 1.0, 2.0, 3.0, 4.0]: a"),
        (
            np.arange(6),
            "has 6 distinct integer values [0.0, 1.0, 2.0, 3.0, 4.0, ...]: a",
        ),
        (
            np.arange(10),
            "has 10 distinct integer values [0.0, 1.0, 2.0, 3.0, 4.0, ...]",
        ),
        (
            np.arange(11),
            "has 11 distinct values [0.0, 1.0, 2.0, 3.0, 4.0, ...]. Recode",
        ),
        (np.array([0.0, 0.5, 1.0]), "has 3 distinct values [0.0, 0.5, 1.0]. Recode"),
    ],
)
def test_auto_message_shows_the_values_and_the_kind(values, message):
    # up to 10 integer values read as arms, more (or non-integers) as a dose
    X, y, _, _ = _effects_data(110, 0)
    treatment = np.resize(values, 110).astype(float)
    with pytest.raises(ValueError, match="treatment_type") as info:
        _learner().fit(X, y, treatment=treatment)
    assert message in str(info.value)

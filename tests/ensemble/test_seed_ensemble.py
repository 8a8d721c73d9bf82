"""Tests for SeedEnsembleRegressor and SeedEnsembleClassifier."""

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn import config_context
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.ensemble import BaggingRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.random_projection import GaussianRandomProjection
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skvariance.ensemble import SeedEnsembleClassifier, SeedEnsembleRegressor
from skvariance.utils import derive_seeds, random_state_params, set_random_state


@pytest.fixture(scope="module")
def reg_data():
    return make_regression(n_samples=120, n_features=5, noise=10.0, random_state=0)


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(
        n_samples=150, n_features=6, n_informative=3, n_classes=3, random_state=0
    )


def test_members_get_every_nested_seed(clf_data):
    X, y = clf_data
    pipe = make_imb_pipeline(
        RandomUnderSampler(), PCA(n_components=3), DecisionTreeClassifier()
    )
    ens = SeedEnsembleClassifier(pipe, n_seeds=4, random_state=0).fit(X, y)
    np.testing.assert_array_equal(ens.seeds_, derive_seeds(0, 4))
    names = random_state_params(pipe)
    assert len(names) == 3
    seen = set()
    for member, seed in zip(ens.estimators_, ens.seeds_):
        expected = set_random_state(clone(pipe), int(seed)).get_params()
        params = member.get_params()
        for name in names:
            assert params[name] == expected[name]
            assert isinstance(params[name], int)
            seen.add(params[name])
    # every component of every member has its own stream
    assert len(seen) == 3 * 4
    # the user's estimator is untouched
    assert all(pipe.get_params()[name] is None for name in names)


def test_regressor_predict_is_mean_or_median_of_members(reg_data):
    X, y = reg_data
    tree = DecisionTreeRegressor(max_features=2, max_depth=3)
    mean_ens = SeedEnsembleRegressor(tree, n_seeds=5, random_state=1).fit(X, y)
    members = mean_ens.predict_members(X)
    assert members.shape == (5, X.shape[0])
    np.testing.assert_allclose(mean_ens.predict(X), members.mean(axis=0))
    med_ens = clone(mean_ens).set_params(aggregation="median").fit(X, y)
    np.testing.assert_allclose(med_ens.predict(X), np.median(members, axis=0))
    # members differ: the seeds do something
    assert np.ptp(members, axis=0).max() > 0


def test_return_std_is_member_spread_without_member_variance(reg_data):
    X, y = reg_data
    ens = SeedEnsembleRegressor(
        DecisionTreeRegressor(max_features=2, max_depth=3), n_seeds=6, random_state=0
    ).fit(X, y)
    mean, std = ens.predict(X, return_std=True)
    assert std.max() > 0
    members = ens.predict_members(X)
    np.testing.assert_allclose(mean, members.mean(axis=0))
    # one ddof convention for seed spreads across the package: ddof=1
    np.testing.assert_allclose(std, members.std(axis=0, ddof=1))


class _RandomGaussianRegressor(RegressorMixin, BaseEstimator):
    """A mean shifted by a seeded constant and a seeded predictive std."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        rng = np.random.RandomState(self.random_state)
        self.shift_ = rng.normal()
        self.scale_ = rng.uniform(0.5, 2.0)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X, return_std=False):
        X = np.asarray(X)
        mean = X[:, 0] + self.shift_
        if return_std:
            return mean, np.full(X.shape[0], self.scale_) * (1 + np.abs(X[:, 1]))
        return mean


def test_return_std_law_of_total_variance(reg_data):
    X, y = reg_data
    ens = SeedEnsembleRegressor(
        _RandomGaussianRegressor(), n_seeds=7, random_state=0
    ).fit(X, y)
    mean, std = ens.predict(X, return_std=True)
    mus, sigmas = zip(*(m.predict(X, return_std=True) for m in ens.estimators_))
    mus, sigmas = np.array(mus), np.array(sigmas)
    expected = np.sqrt(np.mean(sigmas**2, axis=0) + np.var(mus, axis=0, ddof=1))
    np.testing.assert_allclose(mean, mus.mean(axis=0))
    np.testing.assert_allclose(std, expected)
    # the between-member part is there: larger than the mean member std alone
    assert np.all(std > np.sqrt(np.mean(sigmas**2, axis=0)))


def test_return_std_uses_gaussian_process_and_pipeline_final_step(reg_data):
    """Members that differ (a random projection in front of a GP): the std is
    the total-variance combination of the members' own GP variances and
    their spread, computed here directly from the members."""
    X, y = reg_data
    X, y = X[:60], y[:60]
    kernel = RBF(length_scale=3.0, length_scale_bounds="fixed")
    gp = make_pipeline(
        StandardScaler(),
        GaussianRandomProjection(n_components=2),
        GaussianProcessRegressor(kernel=kernel, alpha=0.5, normalize_y=True),
    )
    ens = SeedEnsembleRegressor(gp, n_seeds=4, random_state=0).fit(X, y)
    X_new = X[:8] + 0.5
    mean, std = ens.predict(X_new, return_std=True)
    pairs = [m.predict(X_new, return_std=True) for m in ens.estimators_]
    mus = np.array([mu for mu, _ in pairs])
    sigmas = np.array([sd for _, sd in pairs])
    within = np.mean(sigmas**2, axis=0)
    between = np.var(mus, axis=0, ddof=1)
    # the members really differ, and both terms matter at these points
    assert np.all(between > 0.05 * within)
    assert np.all(within > 0.05 * between)
    np.testing.assert_allclose(mean, mus.mean(axis=0))
    np.testing.assert_allclose(std, np.sqrt(within + between))
    # neither term alone
    assert np.all(std > np.sqrt(within) * 1.01)
    assert np.all(std > np.sqrt(between) * 1.01)


def test_median_return_std_is_robust_and_belongs_to_the_median(reg_data):
    X, y = reg_data
    ens = SeedEnsembleRegressor(
        _RandomGaussianRegressor(), n_seeds=9, aggregation="median", random_state=0
    ).fit(X, y)
    median, std = ens.predict(X, return_std=True)
    mus, sigmas = zip(*(m.predict(X, return_std=True) for m in ens.estimators_))
    mus, sigmas = np.array(mus), np.array(sigmas)
    mad = np.median(np.abs(mus - np.median(mus, axis=0)), axis=0)
    expected = np.sqrt(np.median(sigmas**2, axis=0) + (1.482602218505602 * mad) ** 2)
    np.testing.assert_allclose(median, np.median(mus, axis=0))
    np.testing.assert_allclose(std, expected)

    # one diverged member: the mean's std explodes, the median's does not
    diverged = clone(ens)
    diverged.fit(X, y)
    diverged.estimators_[0].shift_ = 1e6
    _, robust = diverged.predict(X, return_std=True)
    np.testing.assert_allclose(robust, std, rtol=0.5)
    mean_version = clone(diverged).set_params(aggregation="mean").fit(X, y)
    mean_version.estimators_[0].shift_ = 1e6
    _, fragile = mean_version.predict(X, return_std=True)
    assert np.all(fragile > 1e5)


def test_return_std_needs_two_members(reg_data):
    X, y = reg_data
    ens = SeedEnsembleRegressor(DecisionTreeRegressor(), n_seeds=1).fit(X, y)
    assert ens.predict(X).shape == (X.shape[0],)
    with pytest.raises(ValueError, match="n_seeds >= 2"):
        ens.predict(X, return_std=True)


def test_ensemble_reduces_seed_variance(reg_data):
    """Averaging K members divides the between-seed variance by about K."""
    X, y = reg_data
    tree = DecisionTreeRegressor(max_features=1, max_depth=4)
    singles = np.stack(
        [set_random_state(clone(tree), s).fit(X, y).predict(X) for s in range(20)]
    )
    ensembles = np.stack(
        [
            SeedEnsembleRegressor(tree, n_seeds=10, random_state=s).fit(X, y).predict(X)
            for s in range(20)
        ]
    )
    ratio = ensembles.var(axis=0).mean() / singles.var(axis=0).mean()
    # expected 1/10; a chi-square(19)-based spread keeps it well below 0.3
    assert ratio < 0.3


def test_classifier_soft_and_hard_voting(clf_data):
    X, y = clf_data
    tree = DecisionTreeClassifier(max_depth=3, max_features=2)
    soft = SeedEnsembleClassifier(tree, n_seeds=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(soft.classes_, np.unique(y))
    proba = soft.predict_proba(X)
    expected = np.mean([m.predict_proba(X) for m in soft.estimators_], axis=0)
    np.testing.assert_allclose(proba, expected)
    np.testing.assert_array_equal(soft.predict(X), soft.classes_[proba.argmax(1)])

    hard = clone(soft).set_params(voting="hard").fit(X, y)
    assert not hasattr(hard, "predict_proba")
    labels = hard.predict_members(X)
    assert labels.shape == (5, X.shape[0])
    counts = np.stack([(labels == c).sum(axis=0) for c in hard.classes_], axis=1)
    np.testing.assert_array_equal(hard.predict(X), hard.classes_[counts.argmax(1)])


@pytest.mark.parametrize("voting", ["hard", "soft"])
def test_classifier_string_labels(clf_data, voting):
    # Labels whose sorted order differs from the integer codes: every
    # prediction must be the name of the class the integer fit predicts.
    X, y = clf_data
    names = np.array(["cat", "ant", "bee"])
    params = dict(n_seeds=3, voting=voting, random_state=0)
    ens_int = SeedEnsembleClassifier(DecisionTreeClassifier(max_depth=2), **params).fit(
        X, y
    )
    ens_str = SeedEnsembleClassifier(DecisionTreeClassifier(max_depth=2), **params).fit(
        X, names[y]
    )
    np.testing.assert_array_equal(ens_str.classes_, np.sort(names))
    np.testing.assert_array_equal(ens_str.predict(X), names[ens_int.predict(X)])
    if voting == "soft":
        order = np.argsort(names)  # column j of the string fit is class names[order[j]]
        np.testing.assert_allclose(
            ens_str.predict_proba(X), ens_int.predict_proba(X)[:, order]
        )


def test_soft_voting_needs_predict_proba(clf_data):
    X, y = clf_data
    with pytest.raises(TypeError, match="predict_proba"):
        SeedEnsembleClassifier(LinearSVC(), n_seeds=2).fit(X, y)
    SeedEnsembleClassifier(LinearSVC(), n_seeds=2, voting="hard").fit(X, y)


def test_warns_when_estimator_has_no_random_state(reg_data):
    X, y = reg_data
    with pytest.warns(UserWarning, match="identical"):
        ens = SeedEnsembleRegressor(LinearRegression(), n_seeds=3).fit(X, y)
    members = ens.predict_members(X)
    np.testing.assert_allclose(members[0], members[1])


class _WeightRecorder(RegressorMixin, BaseEstimator):
    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        self.sample_weight_ = sample_weight
        self.mean_ = np.average(y, weights=sample_weight)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(np.asarray(X).shape[0], self.mean_)


def test_sample_weight_is_routed_to_members(reg_data):
    X, y = reg_data
    weights = np.random.RandomState(0).uniform(0.1, 2.0, size=y.shape[0])
    ens = SeedEnsembleRegressor(_WeightRecorder(), n_seeds=3, random_state=0)
    ens.fit(X, y, sample_weight=weights)
    for member in ens.estimators_:
        np.testing.assert_array_equal(member.sample_weight_, weights)
    np.testing.assert_allclose(ens.predict(X[:1]), np.average(y, weights=weights))


def test_sample_weight_rejected_when_unsupported(reg_data):
    X, y = reg_data
    with pytest.raises(TypeError, match="sample_weight"):
        SeedEnsembleRegressor(KNeighborsRegressor(), n_seeds=2).fit(
            X, y, sample_weight=np.ones(y.shape[0])
        )


def test_negative_sample_weight_rejected(reg_data):
    X, y = reg_data
    sw = np.ones(y.shape[0])
    sw[0] = -1
    with pytest.raises(ValueError, match="sample_weight"):
        SeedEnsembleRegressor(DecisionTreeRegressor(), n_seeds=2).fit(
            X, y, sample_weight=sw
        )


def test_pandas_input_reaches_members_with_column_names(reg_data):
    X, y = reg_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    pipe = make_pipeline(
        ColumnTransformer([("keep", "passthrough", ["f0", "f2", "f3"])]),
        DecisionTreeRegressor(max_features=2),
    )
    ens = SeedEnsembleRegressor(pipe, n_seeds=3, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(ens.feature_names_in_, frame.columns)
    assert ens.n_features_in_ == X.shape[1]
    assert ens.predict(frame).shape == (X.shape[0],)
    with pytest.raises(ValueError, match="feature names"):
        ens.predict(frame.rename(columns={"f0": "other"}))


def test_bagging_inside_is_seeded_too(reg_data):
    X, y = reg_data
    bag = BaggingRegressor(DecisionTreeRegressor(), n_estimators=3)
    ens = SeedEnsembleRegressor(bag, n_seeds=2, random_state=0).fit(X, y)
    for member in ens.estimators_:
        params = member.get_params()
        assert isinstance(params["random_state"], int)
        assert isinstance(params["estimator__random_state"], int)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_seeds": 0}, "n_seeds"),
        ({"n_seeds": 1.5}, "n_seeds"),
        ({"aggregation": "mode"}, "aggregation"),
    ],
)
def test_bad_parameters(reg_data, params, match):
    X, y = reg_data
    with pytest.raises(ValueError, match=match):
        SeedEnsembleRegressor(DecisionTreeRegressor(), **params).fit(X, y)


def test_estimator_without_fit_is_rejected(reg_data):
    X, y = reg_data
    with pytest.raises((TypeError, ValueError), match="estimator"):
        SeedEnsembleRegressor(object()).fit(X, y)


def test_nan_in_y_is_rejected(reg_data):
    X, y = reg_data
    y = y.copy()
    y[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        SeedEnsembleRegressor(DecisionTreeRegressor(), n_seeds=2).fit(X, y)


def test_same_result_for_any_n_jobs(clf_data):
    X, y = clf_data
    tree = DecisionTreeClassifier(max_features=2)
    serial = SeedEnsembleClassifier(tree, n_seeds=4, n_jobs=1, random_state=3)
    parallel = clone(serial).set_params(n_jobs=2)
    np.testing.assert_array_equal(
        serial.fit(X, y).predict_proba(X), parallel.fit(X, y).predict_proba(X)
    )


class _WeightedTreeClassifier(DecisionTreeClassifier):
    """A seeded tree that records the weights it was fitted with."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        self.sample_weight_ = sample_weight
        return super().fit(X, y, sample_weight=sample_weight, check_input=check_input)


def _final_weights(ens):
    return [member[-1].sample_weight_ for member in ens.estimators_]


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_sample_weight_reaches_pipeline_final_step_without_routing(
    clf_data, reg_data, kind
):
    X, y = clf_data if kind == "classifier" else reg_data
    w = np.random.RandomState(0).uniform(0.1, 3.0, size=y.shape[0])
    if kind == "classifier":
        ens = SeedEnsembleClassifier(
            make_pipeline(StandardScaler(), _WeightedTreeClassifier(max_depth=3)),
            n_seeds=3,
            random_state=0,
        )
    else:
        ens = SeedEnsembleRegressor(
            make_pipeline(StandardScaler(), _WeightRecorder()),
            n_seeds=3,
            random_state=0,
        )
    ens.fit(X, y, sample_weight=w)
    for weights in _final_weights(ens):
        np.testing.assert_array_equal(weights, w)
    # the members equal Pipelines fitted by hand with the weights
    member = set_random_state(clone(ens.estimator), int(ens.seeds_[0]))
    last = member.steps[-1][0]
    member.fit(X, y, **{f"{last}__sample_weight": w})
    np.testing.assert_array_equal(member.predict(X), ens.estimators_[0].predict(X))


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_sample_weight_with_metadata_routing(clf_data, reg_data, kind):
    X, y = clf_data if kind == "classifier" else reg_data
    w = np.random.RandomState(0).uniform(0.1, 3.0, size=y.shape[0])
    with config_context(enable_metadata_routing=True):
        final = (
            _WeightedTreeClassifier(max_depth=3)
            if kind == "classifier"
            else _WeightRecorder()
        )
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            clone(final).set_fit_request(sample_weight=True),
        )
        cls = SeedEnsembleClassifier if kind == "classifier" else SeedEnsembleRegressor
        ens = cls(pipe, n_seeds=3, random_state=0).fit(X, y, sample_weight=w)
        for weights in _final_weights(ens):
            np.testing.assert_array_equal(weights, w)
        routing = ens.get_metadata_routing()
        assert "sample_weight" in str(routing)
        # not requested by the final step: scikit-learn's error, not a silent drop
        unrequested = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False), clone(final)
        )
        with pytest.raises(ValueError, match="sample_weight"):
            cls(unrequested, n_seeds=2, random_state=0).fit(X, y, sample_weight=w)


def test_sample_weight_rejected_when_no_pipeline_step_takes_it(clf_data):
    X, y = clf_data
    pipe = make_pipeline(StandardScaler(), KNeighborsClassifier())
    with pytest.raises(TypeError, match="sample_weight"):
        SeedEnsembleClassifier(pipe, n_seeds=2, voting="hard").fit(
            X, y, sample_weight=np.ones(y.shape[0])
        )


def test_single_class_is_rejected(clf_data):
    X, _ = clf_data
    with pytest.raises(ValueError, match="at least 2 classes"):
        SeedEnsembleClassifier(DecisionTreeClassifier(), n_seeds=2).fit(
            X, np.zeros(X.shape[0], dtype=int)
        )


def test_exclude_seeds_and_clone_reproduces(reg_data):
    X, y = reg_data
    taken = derive_seeds(5, 4)
    ens = SeedEnsembleRegressor(
        DecisionTreeRegressor(max_features=2),
        n_seeds=4,
        random_state=5,
        exclude_seeds=taken,
    ).fit(X, y)
    assert not set(ens.seeds_.tolist()) & set(taken.tolist())
    np.testing.assert_array_equal(ens.seeds_, derive_seeds(5, 4, exclude=taken))
    again = clone(ens).fit(X, y)
    np.testing.assert_array_equal(again.seeds_, ens.seeds_)
    np.testing.assert_array_equal(again.predict(X), ens.predict(X))
    with pytest.raises(TypeError, match="exclude_seeds"):
        clone(ens).set_params(exclude_seeds=[0.5, 1.5]).fit(X, y)


def test_n_jobs_zero_is_rejected(reg_data):
    X, y = reg_data
    with pytest.raises(ValueError, match="n_jobs"):
        SeedEnsembleRegressor(DecisionTreeRegressor(), n_jobs=0).fit(X, y)

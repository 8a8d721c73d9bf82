"""SMOTE and SMOTENC: output layout, geometry, equivalence with imbalanced-learn."""

from collections import Counter

import joblib
import numba
import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE as ImbSMOTE
from imblearn.pipeline import make_pipeline
from scipy import sparse
from scipy.stats import ks_2samp
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors

import skvariance
from skvariance.resampling import SMOTE, SMOTENC, SMOTER, _neighbors
from skvariance.resampling import clear_neighbors_cache as clear_cache
from skvariance.resampling import neighbors_cache_info as cache_info
from skvariance.utils.validation import effective_n_threads


def _data(n=600, weights=(0.85, 0.15), seed=0, n_classes=2):
    return make_classification(
        n_samples=n,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        weights=list(weights),
        random_state=seed,
    )


def test_originals_first_and_counts_match_imblearn():
    X, y = _data(n_classes=3, weights=(0.6, 0.3, 0.1))
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    X_imb, y_imb = ImbSMOTE(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert Counter(y_res) == Counter(y_imb)
    assert X_res.shape == X_imb.shape


def test_binary_output_equals_imblearn_for_the_same_seed():
    # no duplicates: both find the same neighbours, and the draws are made in
    # imbalanced-learn's order from the same seed
    X, y = _data()
    ours = SMOTE(random_state=7).fit_resample(X, y)
    theirs = ImbSMOTE(random_state=7).fit_resample(X, y)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours[1], theirs[1])


def test_synthetic_rows_lie_on_segments_to_a_neighbour():
    X, y = _data(n=300)
    k = 4
    X_res, y_res = SMOTE(k_neighbors=k, random_state=1).fit_resample(X, y)
    Xm = X[y == 1]
    nn = NearestNeighbors(n_neighbors=k + 1).fit(Xm).kneighbors(Xm)[1][:, 1:]
    new = X_res[len(X) :]
    for s in new:
        ok = False
        for i in range(len(Xm)):
            seg = Xm[nn[i]] - Xm[i]  # (k, d)
            t = (seg @ (s - Xm[i])) / (seg * seg).sum(1)
            resid = np.abs(Xm[i] + t[:, None] * seg - s).max(1)
            if np.any((resid < 1e-9) & (t >= -1e-12) & (t <= 1 + 1e-12)):
                ok = True
                break
        assert ok


def test_synthetic_distribution_matches_imblearn():
    X, y = _data(n=2000, weights=(0.9, 0.1), seed=3)
    ours = SMOTE(random_state=0).fit_resample(X, y)[0][len(X) :]
    theirs = ImbSMOTE(random_state=12345).fit_resample(X, y)[0][len(X) :]
    # a two-sample KS test per feature on independent draws; Bonferroni over
    # 6 features at a family-wise 1% level
    pvalues = [ks_2samp(ours[:, j], theirs[:, j]).pvalue for j in range(6)]
    assert min(pvalues) > 0.01 / 6


def test_repeated_calls_reuse_the_graph_and_give_the_same_output():
    X, y = _data()
    clear_cache()
    first = SMOTE(random_state=0).fit_resample(X, y)
    misses = cache_info()["misses"]
    second = SMOTE(random_state=0).fit_resample(X, y)
    assert cache_info()["misses"] == misses  # served from the cache
    np.testing.assert_array_equal(first[0], second[0])
    other = SMOTE(random_state=1).fit_resample(X, y)
    assert not np.array_equal(first[0], other[0])
    clear_cache()


def test_dtype_weights_and_pipeline():
    X, y = _data()
    X_res, _ = SMOTE(random_state=0).fit_resample(X.astype(np.float32), y)
    assert X_res.dtype == np.float32
    w = np.random.RandomState(0).uniform(1, 2, size=len(y))
    X_res, y_res, w_res = SMOTE(random_state=0).fit_resample(X, y, sample_weight=w)
    np.testing.assert_array_equal(w_res[: len(w)], w)
    new = w_res[len(w) :]
    assert new.min() >= w[y == 1].min() and new.max() <= w[y == 1].max()
    # in a pipeline SMOTE acts in fit only; trained on balanced classes, the
    # model finds far more of the 15% class on held-out rows than without it
    # (a majority vote would have accuracy 0.85 and recall 0)
    X, y = _data(n=1200)
    X_train, y_train, X_test, y_test = X[:600], y[:600], X[600:], y[600:]
    pipe = make_pipeline(SMOTE(random_state=0), LogisticRegression())
    recall = {
        name: np.mean(model.fit(X_train, y_train).predict(X_test)[y_test == 1])
        for name, model in [("smote", pipe), ("plain", LogisticRegression())]
    }
    assert recall["smote"] > recall["plain"] + 0.2


def test_bad_input():
    X, y = _data()
    y_small = y.copy()
    y_small[np.flatnonzero(y == 1)[3:]] = 0  # class 1 keeps 3 rows
    with pytest.raises(ValueError, match="Class 1 has 3 sample"):
        SMOTE(k_neighbors=5).fit_resample(X, y_small)
    # the whole message, for a class given by a plain int and a string label
    message = (
        "Class {!r} has 3 sample(s); SMOTE needs at least k_neighbors + 1 = 6 "
        "samples in every class it over-samples. Lower k_neighbors or do not "
        "over-sample this class."
    )
    with pytest.raises(ValueError) as info:
        SMOTE(k_neighbors=5, sampling_strategy={1: 50}).fit_resample(X, y_small)
    assert str(info.value) == message.format(1)
    labels = np.where(y_small == 1, "b", "a")
    with pytest.raises(ValueError) as info:
        SMOTE(k_neighbors=5).fit_resample(X, labels)
    assert str(info.value) == message.format("b")
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SMOTE().fit_resample(X_nan, y)
    with pytest.raises(ValueError, match="negative"):
        SMOTE().fit_resample(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="k_neighbors"):
        SMOTE(k_neighbors=0).fit_resample(X, y)


# -- SMOTENC --------------------------------------------------------------------
def _mixed(n=400, seed=0):
    rng = np.random.RandomState(seed)
    y = (rng.uniform(size=n) < 0.15).astype(int)
    cont = rng.normal(size=(n, 3)) + y[:, None]
    cats = np.column_stack([rng.randint(0, 4, size=n), rng.randint(0, 2, size=n)])
    cats[y == 1, 1] = 1  # column 1 constant within the minority class
    return np.column_stack([cont, cats]).astype(float), y


def reference_smotenc(X, y, cat, k, seed):
    """Brute-force SMOTE-NC with the same draws, in NumPy."""
    rng = np.random.RandomState(seed)
    cont = [j for j in range(X.shape[1]) if j not in cat]
    idx = np.flatnonzero(y == 1)
    C, K = X[np.ix_(idx, cont)], X[np.ix_(idx, cat)]
    pen = np.median(C.std(axis=0)) ** 2
    n = len(idx)
    D = ((C[:, None] - C[None]) ** 2).sum(-1) + pen * (K[:, None] != K[None]).sum(-1)
    nn = np.array(
        [[j for j in np.lexsort((np.arange(n), D[i])) if j != i][:k] for i in range(n)]
    )
    m = int((y == 0).sum() - n)
    flat = rng.randint(0, n * k, size=m)
    steps = rng.uniform(size=m)
    tie_u = rng.uniform(size=(m, len(cat)))
    rows, cols = np.divmod(flat, k)
    out = np.empty((m, X.shape[1]))
    out[:, cont] = C[rows] + steps[:, None] * (C[nn[rows, cols]] - C[rows])
    for t, j in enumerate(cat):
        for s, r in enumerate(rows):
            values = K[nn[r], t].tolist()
            firsts = list(dict.fromkeys(values))
            counts = [values.count(v) for v in firsts]
            tied = [v for v, c in zip(firsts, counts) if c == max(counts)]
            out[s, j] = tied[min(int(tie_u[s, t] * len(tied)), len(tied) - 1)]
    return out


def test_smotenc_equals_brute_force_reference():
    X, y = _mixed()
    X_res, y_res = SMOTENC(categorical_features=[3, 4], random_state=5).fit_resample(
        X, y
    )
    np.testing.assert_array_equal(X_res[: len(X)], X)
    expected = reference_smotenc(X, y, [3, 4], 5, 5)
    np.testing.assert_allclose(X_res[len(X) :], expected, rtol=1e-12, atol=1e-12)
    assert np.all(X_res[len(X) :, 4] == 1)  # the constant category is kept


def test_smotenc_pandas_categoricals_and_names():
    X, y = _mixed()
    df = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    df["colour"] = pd.Categorical(np.array(["red", "green", "blue", "grey"])[
        X[:, 3].astype(int)
    ])  # fmt: skip
    df["size"] = np.where(X[:, 4] > 0, "L", "S")
    ys = pd.Series(y, name="target")
    by_name = SMOTENC(categorical_features=["colour", "size"], random_state=0)
    X_res, y_res = by_name.fit_resample(df, ys)
    auto = SMOTENC(categorical_features="auto", random_state=0)
    X_auto, _ = auto.fit_resample(df, ys)
    pd.testing.assert_frame_equal(X_res, X_auto)
    assert isinstance(y_res, pd.Series) and y_res.name == "target"
    assert list(X_res.columns) == list(df.columns)
    assert X_res["colour"].dtype == df["colour"].dtype
    # "size" is constant ("L") in the over-sampled class, so every synthetic
    # row must decode to "L"; a wrong category decoding would not
    assert (df.loc[ys == 1, "size"] == "L").all()
    assert (X_res["size"].iloc[len(df) :] == "L").all()
    pd.testing.assert_frame_equal(X_res.iloc[: len(df)], df)


def test_smotenc_bad_input():
    X, y = _mixed()
    with pytest.raises(ValueError, match="unknown columns \\[7\\]"):
        SMOTENC(categorical_features=[7]).fit_resample(X, y)
    df = pd.DataFrame(X, columns=list("abcde"))
    with pytest.raises(ValueError, match="unknown columns \\['z'\\]"):
        SMOTENC(categorical_features=["z"]).fit_resample(df, y)
    with pytest.raises(ValueError, match="at least one continuous"):
        SMOTENC(categorical_features=[0, 1, 2, 3, 4]).fit_resample(X, y)
    X_nan = X.copy()
    X_nan[0, 3] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        SMOTENC(categorical_features=[3, 4]).fit_resample(X_nan, y)
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        SMOTENC(categorical_features=[3, 4]).fit_resample(X_inf, y)


# -- n_jobs invariance: every run computes its neighbours ------------------------
def _invariance_cases():
    X, y = _data(n=700, weights=(0.7, 0.3))
    X_nc = X.copy()
    X_nc[:, 5] = np.random.RandomState(0).randint(0, 3, size=len(X))
    y_reg = X[:, 0] + np.random.RandomState(1).standard_t(df=2, size=len(X))
    return [
        ("SMOTE", SMOTE(random_state=0), X, y),
        ("SMOTENC", SMOTENC(categorical_features=[5], random_state=0), X_nc, y),
        ("SMOTER", SMOTER(random_state=0), X, y_reg),
    ]


@pytest.mark.parametrize("name", ["SMOTE", "SMOTENC", "SMOTER"])
def test_n_jobs_invariance_computes_the_neighbours_in_every_run(name, monkeypatch):
    # small blocks: ~100 block pairs per class, split across the threads and
    # merged, so a thread-dependent bug changes the output; the cache is off,
    # so no run is served the graph of an earlier one
    _, sampler, X, y = next(c for c in _invariance_cases() if c[0] == name)
    monkeypatch.setattr(_neighbors, "BLOCK", 16)
    computed = []
    compute = _neighbors._compute

    def counting(*args):
        computed.append(args[0].shape[0])
        return compute(*args)

    monkeypatch.setattr(_neighbors, "_compute", counting)
    clear_cache()
    outputs = []
    with skvariance.config_context(neighbors_cache=False):
        for n_jobs in (1, 2, -1):
            outputs.append(clone(sampler).set_params(n_jobs=n_jobs).fit_resample(X, y))
        with joblib.parallel_config(n_jobs=2):  # None follows the context
            outputs.append(clone(sampler).fit_resample(X, y))
    n_groups = len(computed) // 4
    assert n_groups >= 1 and len(computed) == 4 * n_groups
    assert cache_info()["entries"] == 0
    for other in outputs[1:]:
        for a, b in zip(outputs[0], other):
            np.testing.assert_array_equal(a, b)


@pytest.mark.usefixtures("openmp_every_core")
def test_n_jobs_follows_the_package_rule():
    X, y = _data(n=200)
    with pytest.raises(ValueError, match="n_jobs == 0 has no meaning"):
        SMOTE(n_jobs=0).fit_resample(X, y)
    with pytest.raises(ValueError, match="n_jobs == 0 has no meaning"):
        SMOTER(n_jobs=0).fit(X, X[:, 0])
    # compiled loops: every core whatever n_jobs says (test_threads.py)
    every_core = min(joblib.cpu_count(), numba.config.NUMBA_NUM_THREADS)
    assert effective_n_threads(None) == effective_n_threads(1) == every_core
    with joblib.parallel_config(n_jobs=1):
        assert effective_n_threads(None) == every_core


# -- SMOTENC: validation up front, dtypes, estimators, weights, sparse -----------
def _strings(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rng.normal(size=n)
    X[:, 1] = rng.choice(["a", "b", "c"], size=n)
    X[:, 2] = rng.normal(size=n)
    y = np.array([0] * (n - 30) + [1] * 30)
    return X, y


def test_smotenc_fit_alone_accepts_string_categories():
    X, y = _strings()
    sampler = SMOTENC(categorical_features=[1]).fit(X, y)
    assert sampler.sampling_strategy_ == {1: 60}
    assert sampler.categorical_features_.tolist() == [1]


def test_smotenc_mixed_object_columns_are_rejected_before_any_work(monkeypatch):
    def no_search(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("the neighbour search ran before validation")

    monkeypatch.setattr(_neighbors, "_compute", no_search)
    X, y = _strings()
    mixed = X.copy()
    mixed[5, 1] = 3  # a number among the strings of a categorical column
    for method in ("fit", "fit_resample"):
        with pytest.raises(TypeError, match="column 1 of X mixes strings and numbers"):
            getattr(SMOTENC(categorical_features=[1]), method)(mixed, y)
    text = X.copy()
    text[7, 0] = "12,5"  # a string in a continuous column
    with pytest.raises(ValueError, match="continuous columns of X must be numeric"):
        SMOTENC(categorical_features=[1]).fit(text, y)


def test_smotenc_refuses_numeric_strings_in_continuous_columns(monkeypatch):
    # "1.5" in a continuous column used to be converted silently
    def no_search(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("the neighbour search ran before validation")

    monkeypatch.setattr(_neighbors, "_compute", no_search)
    X, y = _strings()
    text = X.copy()
    text[:, 2] = [f"{v:.3f}" for v in X[:, 2]]  # every value a numeric string
    with pytest.raises(ValueError, match=r"column\(s\) \[2\] hold strings"):
        SMOTENC(categorical_features=[1]).fit_resample(text, y)
    one = X.copy()
    one[4, 0] = "1.5"  # a single numeric string among floats
    with pytest.raises(ValueError, match=r"column\(s\) \[0\] hold strings"):
        SMOTENC(categorical_features=[1]).fit(one, y)
    as_str = X.astype(str)  # a NumPy string array: every column text
    with pytest.raises(ValueError, match=r"\[0, 2\] hold strings"):
        SMOTENC(categorical_features=[1]).fit(as_str, y)
    df = pd.DataFrame({"price": text[:, 2], "colour": X[:, 1], "x": X[:, 0]})
    df["x"] = df["x"].astype(float)
    with pytest.raises(
        ValueError,
        match=r"\['price'\] hold strings.*must be numeric|"
        r"must be numeric.*\['price'\]",
    ):
        SMOTENC(categorical_features=["colour"]).fit(df, y)
    df["price"] = df["price"].astype("string")
    with pytest.raises(ValueError, match=r"\['price'\]"):
        SMOTENC(categorical_features=["colour"]).fit(df, y)


def test_smotenc_keeps_integer_and_bool_continuous_columns():
    rng = np.random.RandomState(0)
    n = 200
    df = pd.DataFrame(
        {
            "count": rng.poisson(20, size=n).astype(np.int32),
            "flag": rng.uniform(size=n) < 0.5,
            "x": rng.normal(size=n),
            "colour": rng.choice(["red", "blue"], size=n),
        }
    )
    y = np.array([0] * 150 + [1] * 50)
    X_res, _ = SMOTENC(categorical_features=["colour"], random_state=0).fit_resample(
        df, y
    )
    pd.testing.assert_series_equal(X_res.dtypes, df.dtypes)
    new = X_res.iloc[n:]
    minority = df[y == 1]
    # rounded interpolations stay within the class's range
    assert new["count"].between(minority["count"].min(), minority["count"].max()).all()
    assert set(new["flag"]) <= {True, False}
    # a NumPy integer array keeps its dtype too
    X_int = np.column_stack([rng.poisson(20, size=n), rng.randint(0, 3, size=n)])
    X_res, _ = SMOTENC(categorical_features=[1], random_state=0).fit_resample(X_int, y)
    assert X_res.dtype == X_int.dtype
    np.testing.assert_array_equal(X_res[:n], X_int)


def test_smotenc_median_std_weights_and_a_neighbours_estimator():
    X, y = _mixed()
    sampler = SMOTENC(categorical_features=[3, 4], random_state=5)
    X_res, y_res = sampler.fit_resample(X, y)
    std = X[y == 1][:, :3].std(axis=0)
    assert sampler.median_std_ == {1: pytest.approx(float(np.median(std)))}
    # an estimator sees the same distances (one-hot columns of m / sqrt(2)):
    # without ties it finds the same neighbours, so the same rows
    nn = SMOTENC(
        categorical_features=[3, 4], k_neighbors=NearestNeighbors(n_neighbors=6),
        random_state=5,
    ).fit_resample(X, y)  # fmt: skip
    np.testing.assert_allclose(nn[0], X_res, rtol=1e-12, atol=1e-12)
    w = np.random.RandomState(0).uniform(1, 2, size=len(y))
    X_w, y_w, w_res = SMOTENC(categorical_features=[3, 4], random_state=5).fit_resample(
        X, y, sample_weight=w
    )
    np.testing.assert_array_equal(X_w, X_res)
    np.testing.assert_array_equal(w_res[: len(y)], w)
    assert w_res.shape == (len(y_res),)
    assert w[y == 1].min() <= w_res[len(y) :].min()
    assert w_res[len(y) :].max() <= w[y == 1].max()


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_gives_the_dense_result_in_its_format(fmt):
    X, y = _data(n=400)
    X[np.abs(X) < 0.7] = 0.0
    to_sparse = sparse.csr_matrix if fmt == "csr" else sparse.csc_matrix
    dense = SMOTE(random_state=0).fit_resample(X, y)
    X_res, y_res = SMOTE(random_state=0).fit_resample(to_sparse(X), y)
    assert sparse.issparse(X_res) and X_res.format == fmt
    np.testing.assert_allclose(X_res.toarray(), dense[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(y_res, dense[1])
    X_nc, y_nc = _mixed()
    X_nc[:, :3][np.abs(X_nc[:, :3]) < 0.5] = 0.0
    dense = SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(
        X_nc, y_nc
    )
    got = SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(
        to_sparse(X_nc), y_nc
    )
    assert sparse.issparse(got[0]) and got[0].format == fmt
    np.testing.assert_allclose(got[0].toarray(), dense[0], rtol=1e-12, atol=1e-12)


def test_drop_in_for_smoteenn_and_smotetomek():
    from imblearn.combine import SMOTEENN, SMOTETomek
    from imblearn.over_sampling import SMOTE as ImbSMOTE

    X, y = _data(n=300)
    for combined in (SMOTEENN, SMOTETomek):
        ours = combined(smote=SMOTE(random_state=0), random_state=0).fit_resample(X, y)
        theirs = combined(smote=ImbSMOTE(random_state=0), random_state=0).fit_resample(
            X, y
        )
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(ours[1], theirs[1])
    params = SMOTE(k_neighbors=3, n_jobs=2).get_params()
    assert params == {
        "k_neighbors": 3,
        "n_jobs": 2,
        "random_state": None,
        "sampling_strategy": "auto",
    }
    assert SMOTE().__sklearn_tags__().input_tags.sparse


def test_dataframe_of_sparse_columns_stays_sparse():
    X, y = _data(n=300)
    X[np.abs(X) < 0.7] = 0.0
    columns = [f"f{j}" for j in range(X.shape[1])]
    X_df = pd.DataFrame(X, columns=columns).astype(pd.SparseDtype(float, 0.0))
    X_res, y_res = SMOTE(random_state=0).fit_resample(X_df, pd.Series(y, name="c"))
    assert list(X_res.columns) == columns
    assert all(isinstance(dtype, pd.SparseDtype) for dtype in X_res.dtypes)
    dense = SMOTE(random_state=0).fit_resample(X, y)
    np.testing.assert_allclose(X_res.to_numpy(), dense[0], rtol=1e-12, atol=1e-12)
    assert y_res.name == "c" and (y_res.index == X_res.index).all()


# -- each documented difference from imbalanced-learn, shown --------------------
def test_multiclass_one_stream_where_imblearn_reseeds_every_class():
    # imbalanced-learn calls check_random_state(random_state) afresh for
    # every class: with an int seed each class gets the same draws, as if it
    # were resampled alone. Here one stream runs across the classes: the
    # first class's rows are imbalanced-learn's, the later ones are not.
    from imblearn.over_sampling import SMOTE as ImbSMOTE

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = np.array([0] * 200 + [1] * 60 + [2] * 40)
    ours = SMOTE(random_state=0).fit_resample(X, y)[0][300:]
    theirs = ImbSMOTE(random_state=0).fit_resample(X, y)[0][300:]
    n1 = 140  # synthetic rows of class 1, then 160 of class 2
    np.testing.assert_allclose(ours[:n1], theirs[:n1], rtol=1e-12)
    assert np.abs(ours[n1:] - theirs[n1:]).min(axis=1).max() > 1e-3
    # imbalanced-learn's class-2 rows: class 2 resampled alone with the seed
    alone = SMOTE(random_state=0, sampling_strategy={2: 200}).fit_resample(X, y)[0]
    np.testing.assert_allclose(theirs[n1:], alone[300:], rtol=1e-12)


def test_integer_dataframe_columns_rounded_where_imblearn_truncates():
    from imblearn.over_sampling import SMOTE as ImbSMOTE

    rng = np.random.RandomState(1)
    df = pd.DataFrame(
        {"count": rng.poisson(6, size=300).astype(np.int64), "x": rng.normal(size=300)}
    )
    y = np.array([0] * 240 + [1] * 60)
    # the same draws on the float version give the interpolated values
    as_float = SMOTE(random_state=0).fit_resample(df.astype(float), y)[0]
    interpolated = as_float["count"].to_numpy()[300:]
    assert (interpolated != np.round(interpolated)).any()
    ours = SMOTE(random_state=0).fit_resample(df, y)[0]
    theirs = ImbSMOTE(random_state=0).fit_resample(df, y)[0]
    assert ours["count"].dtype == theirs["count"].dtype == np.int64
    np.testing.assert_array_equal(ours["count"].to_numpy()[300:], np.rint(interpolated))
    np.testing.assert_array_equal(
        theirs["count"].to_numpy()[300:], np.trunc(interpolated)
    )

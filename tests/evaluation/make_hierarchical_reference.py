"""Write ``baycomp_hierarchical_reference.json``: baycomp's HierarchicalTest.

baycomp samples the hierarchical model with Stan (pystan 3), which the
package's environment does not have. Run this script from one that does::

    python3 -m venv /tmp/bayes_venv
    /tmp/bayes_venv/bin/pip install pystan baycomp
    /tmp/bayes_venv/bin/python tests/evaluation/make_hierarchical_reference.py

(building the Stan model takes about 90 s, each case 30-120 s on 2 cores).
For every table it records baycomp's probabilities and the posterior mean of
its samples, and -- from Stan run directly on baycomp's rescaled data, with
two seeds -- the mean, 5%, 50% and 95% quantiles of ``delta0``, ``std0``
(in score units) and ``nu``.
``tests/evaluation/test_bayesian.py`` compares skvariance's
``bayesian_hierarchical_test`` (its own sampler) with these numbers, to
Monte Carlo error, without importing Stan. Differences are ``a - b``, so
baycomp is called as ``HierarchicalTest(x=b, y=a)``.
"""

import json
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("baycomp_hierarchical_reference.json")


def cases():
    """Four score tables (n_datasets, n_folds) with correlated folds."""
    out = []
    rng = np.random.RandomState(20240519)
    for name, q, k, mu, tau, noise, rope in [
        ("mixed", 8, 10, 0.01, 0.01, 0.02, 0.01),
        ("equivalent", 6, 10, 0.0, 0.002, 0.01, 0.02),
        ("a_better", 10, 10, 0.03, 0.01, 0.02, 0.01),
        ("few_sets", 3, 5, -0.01, 0.02, 0.03, 0.005),
    ]:
        deltas = mu + tau * rng.standard_t(5, size=q)
        shared = rng.randn(q, 1) * noise * np.sqrt(1 / k)
        diff = deltas[:, None] + shared + noise * rng.randn(q, k)
        b = 0.8 + 0.05 * rng.rand(q, k)
        a = b + diff
        out.append((name, a, b, rope, k))
    return out


def stan_posterior(a, b, k, seeds=(1, 2)):
    """Summaries of delta0, std0, nu from baycomp's Stan file, run directly."""
    import os

    import baycomp
    import stan

    path = os.path.join(os.path.dirname(baycomp.__file__), "hierarchical-t-test.stan")
    code = open(path).read()
    diff = a - b
    scale = np.mean(np.std(diff, axis=1))
    x = diff / scale
    q, n = x.shape
    data = dict(
        x=x,
        Nsamples=n,
        q=q,
        rho=1 / k,
        deltaLow=-np.max(np.abs(x)),
        deltaHi=np.max(np.abs(x)),
        lowerAlpha=1,
        upperAlpha=2,
        lowerBeta=0.01,
        upperBeta=0.1,
        stdLow=0,
        stdHi=np.mean(np.std(x, axis=1)) * 1000,
        std0Low=0,
        std0Hi=np.std(x.mean(axis=1)) * 1000,
    )
    out = []
    for seed in seeds:
        fit = stan.build(code, data=data, random_seed=seed).sample(
            num_samples=10000, num_chains=4
        )
        draws = {
            "delta0": fit["delta0"][0] * scale,
            "std0": fit["std0"][0] * scale,
            "nu": fit["nu"][0],
        }
        out.append(
            {
                key: [float(np.mean(v)), *np.quantile(v, [0.05, 0.5, 0.95]).tolist()]
                for key, v in draws.items()
            }
        )
    return out


def main():
    from baycomp import HierarchicalTest

    res = []
    for name, a, b, rope, k in cases():
        t0 = time.time()
        samp = HierarchicalTest.sample(
            b, a, rope, runs=1, chains=4, nsamples=10000, random_state=0
        )
        winners = np.argmax(samp, axis=1)
        probs = (np.bincount(winners, minlength=3) / len(winners)).tolist()
        res.append(
            dict(
                name=name,
                a=a.tolist(),
                b=b.tolist(),
                rope=rope,
                rho=1 / k,
                probs=probs,
                mean_sample=samp.mean(axis=0).tolist(),
                n_draws=len(samp),
                seconds=time.time() - t0,
                stan_posterior=stan_posterior(a, b, k),
            )
        )
        print(name, probs, samp.mean(axis=0), time.time() - t0, flush=True)
    OUT.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()

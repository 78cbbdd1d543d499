"""Held-out quality and fit time of ``KernelTransport()`` with its defaults on the toy suite.

Usage::

    .venv/bin/python benchmarks/toy_defaults.py [--n 2000] [--seed 0]

For each 2-D toy data set: fit on ``n`` training points, generate ``n`` samples,
and compare them with ``n`` fresh test points by the normalised MMD
(``lecturekit.metrics.normalized_mmd``: 0 is perfect, 1 is no better than the
untrained Gaussian). The noise floor is the same score for a second independent
draw of the target, i.e. what a perfect generator would get.
"""

import argparse
import time
import warnings

import lecturekit as lk
from lecturekit.metrics import normalized_mmd


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="training, test and generated sample size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n, seed = args.n, args.seed

    print(f"KernelTransport() defaults, n = {n}, seed = {seed}")
    header = f"{'dataset':<13} {'norm. MMD':>10} {'noise floor':>12} {'fit time [s]':>13} {'iterations':>11}"
    print(header)
    print("-" * len(header))
    for name in lk.TOY_DATASETS:
        train = lk.make_toy(name, n, random_state=seed)
        test = lk.make_toy(name, n, random_state=seed + 1)
        floor = normalized_mmd(lk.make_toy(name, n, random_state=seed + 2), test, random_state=seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", lk.ConvergenceWarning)
            start = time.perf_counter()
            model = lk.KernelTransport(random_state=seed).fit(train)
            elapsed = time.perf_counter() - start
        score = normalized_mmd(model.sample(n, random_state=seed + 3), test, random_state=seed)
        flag = " (not converged)" if caught else ""
        print(f"{name:<13} {score:>10.4f} {floor:>12.4f} {elapsed:>13.1f} {model.n_iter_:>11d}{flag}")


if __name__ == "__main__":
    main()

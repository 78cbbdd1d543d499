"""Random-feature MMD: the numpy reference against the fused numba loops, side by side.

Usage (from the repository root)::

    .venv/bin/python benchmarks/rff_speed.py            # ~8 minutes on two idle cores
    .venv/bin/python benchmarks/rff_speed.py --quick    # smaller sizes, one minute

Prints one table with, for each case, the best of several repeats of

* ``numpy``: ``rff_mmd2_and_gradient(..., fast=False)`` / ``mean_embedding(..., fast=False)``,
  the readable code of ``lecturekit/features.py``;
* ``fused``: the same call with ``fast=True`` (``lecturekit/_fast.py``) on all numba threads;
* ``fused, 1 thread``: the same with ``numba.set_num_threads(1)``;

and the speed-ups ``numpy / fused``. The exact MMD's value and gradient at
n = 2000 (fused and numpy, ``lecturekit.mmd.mmd2_and_gradient``) are the
comparison for the solver's per-evaluation cost. The repeats of the methods
are interleaved, so a busy machine slows all of them alike; BLAS runs on one
thread, as in ``KernelTransport.fit``. The compile time of the first call is
paid (or read from numba's cache) before timing and reported separately.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numba  # noqa: E402

import lecturekit as lk  # noqa: E402
from lecturekit import _fast  # noqa: E402
from lecturekit.features import RandomFourierFeatures, rff_mmd2_and_gradient  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_interleaved(fns, repeats):
    """Best time of each function, the repeats of all functions interleaved."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn))
    return {name: min(ts) for name, ts in times.items()}


def single_thread(fn):
    def run():
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            fn()
        finally:
            numba.set_num_threads(threads)
    return run


def rff_case(n, D, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Y = rng.standard_normal((4000, d)) + 0.5
    kernel = lk.default_mmd_kernel(d)
    rff = RandomFourierFeatures(kernel, D, random_state=seed).fit(Y)
    return X, Y, rff, rff.mean_embedding(Y, fast=False)


def fmt_ms(seconds):
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:,.0f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per case (default 5, quick 3)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    ns = [500, 2000] if args.quick else [500, 2000, 10000]
    embed_ns = [10**5] if args.quick else [10**5, 10**6]

    load_before = os.getloadavg()[0]
    with threadpool_limits(limits=1, user_api="blas"):
        # the first calls compile the kernels or load them from numba's cache
        def warm_up():
            for d in (2, 64):  # the tile products by loops and by BLAS
                X, Y, rff, e = rff_case(300, 300, d)
                rff.mean_embedding(np.vstack([Y] * 50))  # serial and parallel loops
                rff_mmd2_and_gradient(X, rff, e)
                rff_mmd2_and_gradient(np.vstack([X] * 50), rff, e)
            lk.mmd2_and_gradient(X, Y, lk.default_mmd_kernel(64))

        compile_s = timed(warm_up)
        print(f"lecturekit RFF speed: numba {numba.__version__}, {numba.get_num_threads()} numba "
              f"threads ({numba.threading_layer()} layer), {os.cpu_count()} CPUs, BLAS limited to "
              f"1 thread; load average before: {load_before:.2f}")
        note = f" (mean embedding of 10^6 points: best of {max(2, repeats // 2)})" if not args.quick else ""
        print(f"best of {repeats} interleaved repeats{note}; times in ms\n")
        rows = []
        header = ("case", "numpy", "fused", "fused, 1 thread", "speed-up", "speed-up, 1 thread",
                  "max rel. diff")
        for d in (2, 64):
            for D in (500, 2000):
                for n in ns:
                    X, Y, rff, e = rff_case(n, D, d)
                    ref = rff_mmd2_and_gradient(X, rff, e, fast=False)
                    got = rff_mmd2_and_gradient(X, rff, e)
                    diff = max(abs(got[0] - ref[0]) / abs(ref[0]),
                               float(np.abs(got[1] - ref[1]).max() / np.abs(ref[1]).max()))
                    t = best_interleaved({
                        "numpy": lambda: rff_mmd2_and_gradient(X, rff, e, fast=False),
                        "fused": lambda: rff_mmd2_and_gradient(X, rff, e),
                        "fused1": single_thread(lambda: rff_mmd2_and_gradient(X, rff, e)),
                    }, repeats)
                    rows.append((f"RFF value + gradient, n={n}, D={D}, d={d}", t, diff))
                    print(f"  done: {rows[-1][0]}", file=sys.stderr)
        for m in embed_ns:
            D, d = 2000, 2
            rng = np.random.default_rng(1)
            Ym = rng.standard_normal((m, d))
            rff = RandomFourierFeatures(lk.default_mmd_kernel(d), D, random_state=0).fit(Ym[:10])
            ref = rff.mean_embedding(Ym, fast=False)
            got = rff.mean_embedding(Ym)
            diff = float(np.abs(got - ref).max() / np.abs(ref).max())
            t = best_interleaved({
                "numpy": lambda: rff.mean_embedding(Ym, fast=False),
                "fused": lambda: rff.mean_embedding(Ym),
                "fused1": single_thread(lambda: rff.mean_embedding(Ym)),
            }, repeats if m < 10**6 else max(2, repeats // 2))
            rows.append((f"mean embedding, {m:,} points, D={D}, d={d}", t, diff))
            print(f"  done: {rows[-1][0]}", file=sys.stderr)
        for d in (2, 64):
            rng = np.random.default_rng(2)
            n = 2000
            X, Y = rng.standard_normal((n, d)), rng.standard_normal((n, d)) + 0.5
            kernel = lk.default_mmd_kernel(d)
            yy = lk.mmd.kernel_sum(kernel, Y) / n**2
            ref = lk.mmd2_and_gradient(X, Y, kernel, yy_term=yy, fast=False)
            got = lk.mmd2_and_gradient(X, Y, kernel, yy_term=yy)
            diff = max(abs(got[0] - ref[0]) / abs(ref[0]),
                       float(np.abs(got[1] - ref[1]).max() / np.abs(ref[1]).max()))
            t = best_interleaved({
                "numpy": lambda: lk.mmd2_and_gradient(X, Y, kernel, yy_term=yy, fast=False),
                "fused": lambda: lk.mmd2_and_gradient(X, Y, kernel, yy_term=yy),
                "fused1": single_thread(lambda: lk.mmd2_and_gradient(X, Y, kernel, yy_term=yy)),
            }, repeats)
            rows.append((f"exact MMD value + gradient, n=m={n}, d={d}", t, diff))
            print(f"  done: {rows[-1][0]}", file=sys.stderr)

    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, t, diff in rows:
        print(f"| {name} | {fmt_ms(t['numpy'])} | {fmt_ms(t['fused'])} | {fmt_ms(t['fused1'])} | "
              f"{t['numpy'] / t['fused']:.1f} | {t['numpy'] / t['fused1']:.1f} | {diff:.1e} |")
    print(f"\nfirst calls (compiling or loading numba's cache): {compile_s:.1f} s; "
          f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""One measured fit, run in a fresh process (``run.py`` starts it with multiprocessing 'spawn').

A *spec* is a plain dict naming the workload, the data set, the size, the
method and its parameters. ``child_main`` rebuilds the data from the spec
(fixed seeds, so every method sees the same training and test points), warms
the method up on a tiny problem (imports, numba's compiled-code cache), then
fits once and measures

* wall and CPU time of the fit (CPU time summed over all threads),
* for the two kernel-transport solvers: the number of objective-and-gradient
  evaluations and the time spent in them, and the set-up time,
* the peak resident memory of the process during the fit (``VmHWM``, reset
  just before the fit) and how much the fit raised it above the resident
  memory before the fit,
* the held-out quality: ``lecturekit.metrics.normalized_mmd`` of generated
  samples against test points not used in fitting.

The result goes back to the parent as a dict through a pipe.
"""

import os
import resource
import time
import traceback
import warnings

import numpy as np

#: The methods ``make_model`` knows.
METHODS = ("lk-exact", "lk-rff", "lk-large", "baseline", "pot-sinkhorn", "pot-mapping")


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def load_data(spec):
    """``(train, test, floor_sample)`` for a spec; all seeded by ``spec['seed']``.

    ``floor_sample`` is a second independent draw of the target of the test
    set's size (for the noise floor), or None where none exists (digits: the
    noise floor there is train vs test, computed by the caller).
    """
    import lecturekit as lk

    seed = spec["seed"]
    if spec["dataset"] == "digits":
        train, test = lk.train_test_split(lk.load_digits(), test_size=0.5, random_state=seed)
        return train, test, None
    n_eval = spec["n_eval"]
    train = lk.make_toy(spec["dataset"], spec["n"], random_state=seed)
    test = lk.make_toy(spec["dataset"], n_eval, random_state=seed + 1)
    floor = lk.make_toy(spec["dataset"], n_eval, random_state=seed + 2)
    return train, test, floor


def standardizer(Y):
    """Per-feature mean and scale as lecturekit uses them (a constant feature gets scale 0)."""
    mean = Y.mean(axis=0)
    scale = Y.std(axis=0)
    scale[scale <= 1e-12 * max(1.0, float(np.abs(Y).max()))] = 0.0
    return mean, scale


def median_kernel(test):
    """``RBF(median heuristic)`` of the test set standardised as ``normalized_mmd`` does."""
    import lecturekit as lk

    std = test.std(axis=0)
    std[std == 0] = 1.0
    Z = (test - test.mean(axis=0)) / std
    return lk.RBF(lk.median_heuristic(Z, random_state=0))


def quality(generated, test, seed, digits=False):
    """Normalised held-out MMD (default kernel; for 64-D data also the median-heuristic RBF)."""
    import lecturekit as lk

    out = {"nmmd": float(lk.normalized_mmd(generated, test, random_state=seed))}
    if digits:
        out["nmmd_median"] = float(
            lk.normalized_mmd(generated, test, random_state=seed, kernel=median_kernel(test))
        )
    return out


# --------------------------------------------------------------------------------------
# The methods: each returns an object with fit(Y) and sample(n, seed), plus a dict of
# solver statistics filled during the fit.
# --------------------------------------------------------------------------------------


class _LecturekitModel:
    """``lecturekit.KernelTransport`` with its objective calls timed (patched in this process only)."""

    def __init__(self, params, seed):
        import lecturekit as lk

        self.lk = lk
        self.model = lk.KernelTransport(random_state=seed, **params)
        self.stats = {"evals": 0, "eval_s": 0.0, "setup_s": 0.0}
        problem_cls = getattr(lk.transport, "TransportProblem", None)
        if problem_cls is not None and not getattr(problem_cls, "_bench_timed", False):
            call, init = problem_cls.__call__, problem_cls.__init__
            stats = self.stats

            def timed_call(obj, a_flat):
                start = time.perf_counter()
                out = call(obj, a_flat)
                stats["eval_s"] += time.perf_counter() - start
                stats["evals"] += 1
                return out

            def timed_init(obj, *args, **kwargs):
                start = time.perf_counter()
                init(obj, *args, **kwargs)
                stats["setup_s"] += time.perf_counter() - start

            problem_cls.__call__ = timed_call
            problem_cls.__init__ = timed_init
            problem_cls._bench_timed = True
            problem_cls._bench_stats = stats
        elif problem_cls is not None:
            problem_cls._bench_stats.update(evals=0, eval_s=0.0, setup_s=0.0)
            self.stats = problem_cls._bench_stats

    def fit(self, Y):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.model.fit(Y)
        result = getattr(self.model, "result_", None)
        converged = bool(result.success) if result is not None else None
        self.stats.update(
            iterations=int(self.model.n_iter_),
            converged=converged,
            message=str(result.message) if result is not None else "",
            warnings=sorted({type(w.message).__name__ for w in caught}),
        )
        if self.stats["evals"] == 0 and result is not None:  # the package no longer calls TransportProblem
            self.stats.update(evals=int(result.nfev), eval_s=None, setup_s=None)
        return self

    def sample(self, n, seed):
        return self.model.sample(n, random_state=seed)


class _BaselineModel:
    """``baseline.StudentTransport`` with lecturekit's regularisation and stopping rule."""

    def __init__(self, params, seed):
        from baseline import StudentTransport, lecturekit_solver_settings

        params = dict(params)
        settings = lecturekit_solver_settings()
        settings.update(params.pop("settings", {}))
        self.model = StudentTransport(random_state=seed, settings=settings, **params)
        self.stats = {}

    def fit(self, Y):
        start = time.perf_counter()
        self.model.fit(Y)
        total = time.perf_counter() - start
        r = self.model.result_
        self.stats = {
            "evals": self.model.n_calls_,
            "eval_s": self.model.objective_seconds_,
            "setup_s": self.model.setup_seconds_,
            "iterations": self.model.n_iter_,
            "converged": bool(r.success),
            "message": str(r.message),
            "solver_other_s": total - self.model.objective_seconds_,
            "settings": self.model.settings_,
        }
        return self

    def sample(self, n, seed):
        return self.model.sample(n, random_state=seed)


class _PotModel:
    """A POT map estimator used as a generator.

    Fitted with ``Xs`` = Gaussian samples and ``Xt`` = the standardised data
    (the same standardisation as lecturekit); new samples are the estimator's
    ``transform`` of fresh Gaussian draws, mapped back to data coordinates.
    """

    def __init__(self, kind, params, seed):
        import ot

        self.ot = ot
        self.kind = kind
        self.params = dict(params)
        self.n_source = self.params.pop("n_source", None)
        self.seed = seed
        self.stats = {}

    def fit(self, Y):
        ot = self.ot
        self.mean_, self.scale_ = standardizer(Y)
        Ys = (Y - self.mean_) / np.where(self.scale_ > 0, self.scale_, 1.0)
        ns = self.n_source or Y.shape[0]
        Xs = np.random.default_rng(self.seed).standard_normal((ns, Y.shape[1]))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if self.kind == "pot-sinkhorn":
                self.est = ot.da.SinkhornTransport(out_of_sample_map="continuous", **self.params)
                self.est.fit(Xs=Xs, Xt=Ys)
                log = getattr(self.est, "log_", {}) or {}
                niter = log.get("niter")
                self.stats = {"iterations": int(niter) if niter is not None else None,
                              "converged": None if niter is None else bool(niter < self.params.get("max_iter", 1000) - 1)}
            else:
                self.est = ot.da.MappingTransport(kernel="gaussian", log=True, **self.params)
                self.est.fit(Xs=Xs, Xt=Ys)
                losses = (getattr(self.est, "log_", {}) or {}).get("loss")
                self.stats = {"iterations": len(losses) - 1 if losses else None, "converged": None}
        self.stats["warnings"] = sorted({str(w.message)[:80] for w in caught})
        return self

    def sample(self, n, seed):
        X = np.random.default_rng(seed).standard_normal((n, len(self.mean_)))
        out = np.asarray(self.est.transform(Xs=X))
        if not np.all(np.isfinite(out)):
            raise FloatingPointError("the POT map returned non-finite values")
        return self.mean_ + self.scale_ * out


def make_model(method, params, seed):
    if method.startswith("lk-"):
        return _LecturekitModel(params, seed)
    if method == "baseline":
        return _BaselineModel(params, seed)
    if method.startswith("pot-"):
        return _PotModel(method, params, seed)
    raise ValueError(f"unknown method {method!r}; known: {METHODS}")


# --------------------------------------------------------------------------------------
# The child process
# --------------------------------------------------------------------------------------


def _memory_mb():
    """``(current RSS, peak RSS)`` of this process in MB, from /proc/self/status.

    ``VmHWM`` belongs to the address space, so (unlike ``ru_maxrss``) it does
    not carry over the parent's memory through fork and exec.
    """
    try:
        values = {}
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":")
                    values[key] = int(value.split()[0]) / 1024.0  # kB
        return values["VmRSS"], values["VmHWM"]
    except (OSError, KeyError, ValueError):  # not Linux: the high-water mark only
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        return peak, peak


def _reset_peak():
    """Reset the peak RSS to the current RSS (Linux >= 4.0); False where that is impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def warm_up(method, params, seed):
    """Fit the method once on a tiny problem: imports, numba cache, BLAS threads."""
    import lecturekit as lk

    small = dict(params)
    for key in ("n_reference", "n_inducing", "n_source"):
        small.pop(key, None)
    if method.startswith("lk-"):
        small["max_iter"] = 3
    if method == "baseline":
        small["settings"] = {"max_iter": 3}
    if method == "pot-mapping":
        small["max_iter"] = 1
    d = 64 if params.get("_digits") else 2
    small.pop("_digits", None)
    Y = np.random.default_rng(seed + 99).standard_normal((120, d)) * 0.5 + 1.0
    if method == "lk-large":
        small["n_inducing"] = 20
    model = make_model(method, small, seed)
    model.fit(Y)
    model.sample(50, seed)
    if method.startswith("lk-"):
        # numba compiles the parallel loops on their first use, which a fit of 120
        # points never reaches: compile them here rather than inside the timed fit
        Z = np.random.default_rng(seed + 98).standard_normal((2100, d))
        kernel = lk.default_mmd_kernel(d)
        lk.mmd.mmd2_and_gradient(Z, Z[:2000], kernel)  # 4.2e6 pairs: the parallel loop
        rff = lk.RandomFourierFeatures(kernel, 1000, random_state=0).fit(Z)
        lk.features.rff_mmd2_and_gradient(Z, rff, rff.mean_embedding(Z))  # 2.1e6 terms


def run_spec(spec):
    """Fit one spec in this process and return the measurements."""
    import contextlib

    rec = {"status": "ok"}
    t0 = time.perf_counter()
    import lecturekit as lk  # noqa: F401

    rec["import_s"] = time.perf_counter() - t0
    train, test, floor = load_data(spec)
    digits = spec["dataset"] == "digits"
    params = dict(spec.get("params", {}))
    limits = contextlib.nullcontext()
    if spec.get("blas_threads"):
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(limits=spec["blas_threads"], user_api="blas")
    with limits:
        start = time.perf_counter()
        warm_up(spec["method"], {**params, "_digits": digits}, spec["seed"])
        rec["warmup_s"] = time.perf_counter() - start

        model = make_model(spec["method"], params, spec["seed"])
        rec["peak_reset"] = _reset_peak()
        rss_before, _ = _memory_mb()
        cpu_before = _cpu_s()
        start = time.perf_counter()
        model.fit(train)
        rec["fit_s"] = time.perf_counter() - start
        rec["fit_cpu_s"] = _cpu_s() - cpu_before
        _, peak = _memory_mb()
        rec["peak_rss_mb"] = peak
        rec["fit_rss_increase_mb"] = peak - rss_before
        rec["rss_before_fit_mb"] = rss_before
        stats = dict(model.stats)
        if stats.get("evals") and stats.get("eval_s") is not None:
            stats["per_eval_s"] = stats["eval_s"] / stats["evals"]
        rec.update(stats)

        start = time.perf_counter()
        generated = model.sample(test.shape[0], spec["seed"] + 3)
        rec["sample_s"] = time.perf_counter() - start
    rec.update(quality(generated, test, spec["seed"], digits=digits))
    return rec


def child_main(spec, conn):
    """Entry point of the spawned process: run the spec, send the record (or the error)."""
    try:
        rec = run_spec(spec)
    except MemoryError:
        rec = {"status": "error", "error": "MemoryError"}
    except Exception as exc:  # reported, not raised: one failing fit must not stop the suite
        rec = {"status": "error", "error": f"{type(exc).__name__}: {exc}",
               "traceback": traceback.format_exc()[-2000:]}
    rec["pid"] = os.getpid()
    conn.send(rec)
    conn.close()

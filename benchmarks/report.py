"""Tables, targets and plots of the benchmark (used by ``run.py``).

Everything here works from the records ``run.py`` collects (plain dicts, as
stored in ``results.json``), so the summary can be rebuilt from a saved run::

    .venv/bin/python benchmarks/report.py benchmarks/results/results.json
"""

import json
import statistics
import sys
from pathlib import Path

import numpy as np

METHOD_LABELS = {
    "lk-exact": "lecturekit (defaults, exact MMD)",
    "lk-rff": "lecturekit (random features)",
    "lk-large": "lecturekit (random features + inducing points)",
    "baseline": "baseline (dense numpy)",
    "pot-sinkhorn": "POT SinkhornTransport (entropic map)",
    "pot-mapping": "POT MappingTransport (gaussian)",
}
METHOD_ORDER = ["lk-exact", "lk-rff", "lk-large", "baseline", "pot-sinkhorn", "pot-mapping"]
COLORS = {"lk-exact": "C0", "lk-rff": "C1", "lk-large": "C4", "baseline": "C3",
          "pot-sinkhorn": "C2", "pot-mapping": "C5"}
PLOT_FILES = ["toy_suite.png", "scaling.png"]

PROGRESS_HEADER = (f"{'workload':<10} {'dataset':<12} {'n':>8} {'method':<13} {'status':<8} "
                   f"{'fit [s]':>8} {'CPU [s]':>8} {'iters':>6} {'ms/eval':>8} {'peak MB':>8} "
                   f"{'nMMD':>7} {'load':>5}")


def _f(x, digits=3):
    """A number with ``digits`` significant digits; '-' for None."""
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    mag = int(np.floor(np.log10(abs(x))))
    decimals = max(digits - 1 - mag, 0)
    return f"{x:.{decimals}f}"


def _ms(x):
    return None if x is None else 1000.0 * x


def progress_line(r):
    n = "-" if r["dataset"] == "digits" else r["n"]
    if r["status"] != "ok":
        return (f"{'/'.join(r['workloads']):<10} {r['dataset']:<12} {n:>8} {r['method']:<13} "
                f"{r['status']:<8} {r.get('error', '')}")
    return (f"{'/'.join(r['workloads']):<10} {r['dataset']:<12} {n:>8} {r['method']:<13} {'ok':<8} "
            f"{_f(r['fit_s']):>8} {_f(r['fit_cpu_s']):>8} {str(r.get('iterations', '-')):>6} "
            f"{_f(_ms(r.get('per_eval_s'))):>8} {_f(r['peak_rss_mb']):>8} {_f(r['nmmd']):>7} "
            f"{r['load_before']:>5.1f}")


# --------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def aggregate(records, **match):
    """The runs matching ``match`` (repeats of one spec) merged: medians of the timings.

    Returns None when no run matches; a dict with ``status`` 'ok' when at least
    one run succeeded (``repeats`` counts them), else the first failure.
    """
    match.setdefault("blas_threads", None)  # the runs with the machine's default threads
    runs = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    if not runs:
        return None
    ok = [r for r in runs if r["status"] == "ok"]
    if not ok:
        return dict(runs[0])
    out = dict(ok[0])
    for key in ("fit_s", "fit_cpu_s", "per_eval_s", "eval_s", "setup_s", "peak_rss_mb",
                "fit_rss_increase_mb", "nmmd", "nmmd_median", "load_before"):
        out[key] = _median([r.get(key) for r in ok])
    out["repeats"] = len(ok)
    out["fit_s_all"] = [r["fit_s"] for r in ok]
    return out


def noise_floors(records):
    """The held-out score of a second independent draw of the target, per (dataset, seed)."""
    import fits
    import lecturekit as lk

    floors = {}
    for r in records:
        key = f"{r['dataset']}/{r['seed']}"
        if key in floors:
            continue
        spec = {**r, "n": 10}  # the training set is not needed for toy floors
        if r["dataset"] == "digits":
            train, test, _ = fits.load_data(r)
            floors[key] = {
                "nmmd": float(lk.normalized_mmd(train, test, random_state=r["seed"])),
                "nmmd_median": float(lk.normalized_mmd(train, test, random_state=r["seed"],
                                                       kernel=fits.median_kernel(test))),
                "what": "training set vs test set",
            }
        else:
            _, test, second = fits.load_data(spec)
            floors[key] = {"nmmd": float(lk.normalized_mmd(second, test, random_state=r["seed"])),
                           "what": "a second independent draw vs the test set"}
    return floors


def _floor(results, dataset, seed=None):
    seed = results["config"]["seed"] if seed is None else seed
    return results["noise_floors"].get(f"{dataset}/{seed}", {})


# --------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------


def _ratio(num, den):
    if num is None or den is None or den == 0:
        return None
    return num / den


def evaluate_targets(results):
    cfg, recs = results["config"], results["records"]
    T = cfg["targets"]
    seed = cfg["seed"]
    out = []

    # (a) moons: lecturekit at least as good as the baseline in at most 1/10 of its time
    t = T["a"]
    lk_ = aggregate(recs, dataset=t["dataset"], n=t["n"], method="lk-exact", params={}, seed=seed)
    bl = aggregate(recs, dataset=t["dataset"], n=t["n"], method="baseline", params={}, seed=seed)
    row = {"id": "a", "target": f"{t['dataset']} n={t['n']}: norm. MMD <= baseline's, fit time <= 1/{t['time_ratio']:g} of baseline's"}
    if lk_ and bl and lk_["status"] == bl["status"] == "ok":
        speedup = _ratio(bl["fit_s"], lk_["fit_s"])
        cpu_speedup = _ratio(bl["fit_cpu_s"], lk_["fit_cpu_s"])
        ok = lk_["nmmd"] <= bl["nmmd"] and speedup >= t["time_ratio"]
        row.update(measured=(f"norm. MMD {_f(lk_['nmmd'])} vs {_f(bl['nmmd'])} (floor "
                             f"{_f(_floor(results, t['dataset']).get('nmmd'))}); baseline/lecturekit time "
                             f"{_f(speedup)}x wall, {_f(cpu_speedup)}x CPU (medians of {lk_['repeats']}/{bl['repeats']})"),
                   passed=bool(ok), ratio=speedup, cpu_ratio=cpu_speedup,
                   quality=(lk_["nmmd"], bl["nmmd"]))
    else:
        row.update(measured="not measured (a run failed or was skipped)", passed=None)
    lk1 = aggregate(recs, dataset=t["dataset"], n=t["n"], method="lk-exact", params={}, seed=seed, blas_threads=1)
    bl1 = aggregate(recs, dataset=t["dataset"], n=t["n"], method="baseline", params={}, seed=seed, blas_threads=1)
    if lk1 and bl1 and lk1["status"] == bl1["status"] == "ok":
        speedup = _ratio(bl1["fit_s"], lk1["fit_s"])
        row.update(blas1=f"{_f(speedup)}x ({_f(bl1['fit_s'])} s / {_f(lk1['fit_s'])} s)",
                   blas1_passed=bool(lk1["nmmd"] <= bl1["nmmd"] and speedup >= t["time_ratio"]))
    out.append(row)

    # (b) every toy dataset: at most half the better POT estimator's norm. MMD in 1/5 of its time
    t = T["b"]
    per = []
    for ds in cfg["toy_datasets"]:
        lk_ = aggregate(recs, dataset=ds, n=cfg["toy_n"], method="lk-exact", params={}, seed=seed)
        pots = [aggregate(recs, dataset=ds, n=cfg["toy_n"], method=m, seed=seed)
                for m in ("pot-sinkhorn", "pot-mapping")]
        pots = [p for p in pots if p and p["status"] == "ok"]
        entry = {"dataset": ds}
        if lk_ and lk_["status"] == "ok" and pots:
            best = min(pots, key=lambda p: p["nmmd"])
            q = _ratio(best["nmmd"], lk_["nmmd"])
            s = _ratio(best["fit_s"], lk_["fit_s"])
            entry.update(lk_nmmd=lk_["nmmd"], lk_fit_s=lk_["fit_s"], best_pot=best["method"],
                         pot_nmmd=best["nmmd"], pot_fit_s=best["fit_s"], quality_ratio=q, time_ratio=s,
                         cpu_ratio=_ratio(best["fit_cpu_s"], lk_["fit_cpu_s"]),
                         floor=_floor(results, ds).get("nmmd"),
                         passed=bool(q >= t["quality_ratio"] and s >= t["time_ratio"]))
        else:
            entry.update(passed=None)
        per.append(entry)
    measured = [e for e in per if e["passed"] is not None]
    row = {"id": "b", "target": f"every toy dataset (n={cfg['toy_n']}): norm. MMD <= 1/{t['quality_ratio']:g} of the better POT estimator's, fit time <= 1/{t['time_ratio']:g} of its",
           "per_dataset": per}
    if measured:
        n_pass = sum(e["passed"] for e in measured)
        row.update(measured=(f"{n_pass} of {len(per)} data sets pass; POT/lecturekit norm. MMD ratio "
                             f"{_f(min(e['quality_ratio'] for e in measured))} to {_f(max(e['quality_ratio'] for e in measured))}, "
                             f"time ratio {_f(min(e['time_ratio'] for e in measured))} to {_f(max(e['time_ratio'] for e in measured))}"),
                   passed=n_pass == len(per))
    else:
        row.update(measured="not measured", passed=None)
    out.append(row)

    # (c) a million points in 2-D in under 2 minutes and 2 GB
    t = T["c"]
    big = aggregate(recs, n=t["n"], method="lk-large", seed=seed)
    row = {"id": "c", "target": f"n={t['n']:,} points in 2-D (lk-large): fit < {t['seconds']:g} s, peak memory < {t['memory_mb']:g} MB"}
    if big and big["status"] == "ok":
        row.update(measured=(f"fit {_f(big['fit_s'])} s wall ({_f(big['fit_cpu_s'])} s CPU), peak RSS "
                             f"{_f(big['peak_rss_mb'])} MB (of which the fit added {_f(big['fit_rss_increase_mb'])} MB)"),
                   passed=bool(big["fit_s"] < t["seconds"] and big["peak_rss_mb"] < t["memory_mb"]))
    else:
        row.update(measured="not measured" if not big else f"{big['status']}: {big.get('error', '')}",
                   passed=None if not big else False)
    out.append(row)

    # (d) refit at n = 500 under 1 s
    t = T["d"]
    small = aggregate(recs, dataset=t["dataset"], n=t["n"], method="lk-exact", params={}, seed=seed)
    row = {"id": "d", "target": f"refit {t['dataset']} n={t['n']} (lk-exact, warm process) < {t['seconds']:g} s"}
    if small and small["status"] == "ok":
        row.update(measured=(f"{_f(small['fit_s'])} s wall (median of {small['repeats']}: "
                             f"{', '.join(_f(x) for x in small['fit_s_all'])}), {_f(small['fit_cpu_s'])} s CPU, "
                             f"{small.get('iterations')} iterations"),
                   passed=bool(small["fit_s"] < t["seconds"]))
    else:
        row.update(measured="not measured", passed=None)
    s1 = aggregate(recs, dataset=t["dataset"], n=t["n"], method="lk-exact", params={}, seed=seed, blas_threads=1)
    if s1 and s1["status"] == "ok":
        row.update(blas1=f"{_f(s1['fit_s'])} s", blas1_passed=bool(s1["fit_s"] < t["seconds"]))
    out.append(row)
    return out


def _verdict(p):
    return "PASS" if p is True else ("FAIL" if p is False else "n/a")


# --------------------------------------------------------------------------------------
# The markdown summary
# --------------------------------------------------------------------------------------


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _method_row(r, extra=()):
    if r is None:
        return None
    label = f"`{r['method']}`"
    if r["status"] != "ok":
        return [label, *extra, f"{r['status']}: {r.get('error', '')}", "", "", "", "", "", ""]
    reps = f" ({r['repeats']}x)" if r.get("repeats", 1) > 1 else ""
    return [label, *extra, _f(r["nmmd"]), _f(r["fit_s"]) + reps, _f(r["fit_cpu_s"]),
            str(r.get("iterations", "-")), _f(_ms(r.get("per_eval_s"))), _f(r["peak_rss_mb"]),
            _f(r.get("fit_rss_increase_mb"))]


COLS = ["norm. MMD", "fit [s]", "CPU [s]", "iters", "ms / eval", "peak RSS [MB]", "fit added [MB]"]


def summary_markdown(results):
    cfg, recs, env = results["config"], results["records"], results["environment"]
    seed = cfg["seed"]
    lines = []
    v = env["versions"]
    lines.append(
        f"Run of {env['started']} ({cfg['mode']} run, {env['total_s'] / 60:.1f} min): {env['cpu_count']} cores, "
        f"load average {env['load_start'][0]} at the start and {env['load_end'][0]} at the end "
        f"(other processes shared the machine); Python {env['python']}, numpy {v.get('numpy')}, "
        f"scipy {v.get('scipy')}, numba {v.get('numba')}, POT {v.get('pot')}; lecturekit at commit "
        f"`{env.get('git_commit')}`{' with uncommitted changes' if env.get('lecturekit_modified') else ''} "
        f"(sources SHA-256 `{env.get('lecturekit_sources_sha256')}`). "
        f"The baseline's objective and gradient agree with `lecturekit.transport.TransportProblem` "
        f"to {results['baseline_check']['objective_rel_diff']:.0e} and "
        f"{results['baseline_check']['gradient_rel_diff']:.0e} (relative).")
    lines.append("")

    lines.append("### Targets")
    lines.append("")
    rows = [[f"({t['id']})", t["target"], t["measured"], f"**{_verdict(t['passed'])}**",
             f"{t['blas1']}: {_verdict(t['blas1_passed'])}" if "blas1" in t else "-"]
            for t in results["targets"]]
    lines.append(_table(["", "target", "measured", "verdict", "with BLAS on one thread"], rows))
    lines.append("")
    lines.append("The verdict is for the machine's default threading, what a user gets; the last column "
                 "repeats (a) and (d) with OpenBLAS limited to one thread (see *BLAS threads* below).")
    lines.append("")

    # per-dataset ratios for (b)
    tb = next(t for t in results["targets"] if t["id"] == "b")
    rows = []
    for e in tb["per_dataset"]:
        if e["passed"] is None:
            rows.append([e["dataset"], "-", "-", "-", "-", "-", "-", "n/a"])
            continue
        rows.append([e["dataset"], _f(e["floor"]), _f(e["lk_nmmd"]), f"{_f(e['pot_nmmd'])} (`{e['best_pot']}`)",
                     _f(e["quality_ratio"]), _f(e["time_ratio"]), _f(e["cpu_ratio"]), _verdict(e["passed"])])
    lines.append(f"Target (b) per data set (n = {cfg['toy_n']}): ratios are POT / lecturekit, so larger is better "
                 f"for lecturekit; the target asks for at least {cfg['targets']['b']['quality_ratio']:g} (quality) "
                 f"and {cfg['targets']['b']['time_ratio']:g} (wall time).")
    lines.append("")
    lines.append(_table(["data set", "noise floor", "lecturekit", "better POT", "quality ratio",
                         "time ratio (wall)", "time ratio (CPU)", "verdict"], rows))
    lines.append("")

    # toy suite
    lines.append(f"### Toy suite, n = {cfg['toy_n']}")
    lines.append("")
    lines.append(f"Held-out normalised MMD of {cfg['n_eval']} generated points against {cfg['n_eval']} test "
                 f"points (0 is perfect, 1 is the untrained Gaussian); the noise floor is a second "
                 f"independent draw of the target. Times are medians where a run was repeated (Nx).")
    lines.append("")
    rows = []
    for ds in cfg["toy_datasets"]:
        for m in METHOD_ORDER:
            r = aggregate(recs, dataset=ds, n=cfg["toy_n"], method=m, seed=seed)
            if r is not None and m != "lk-large":
                rows.append(_method_row(r, extra=(ds, _f(_floor(results, ds).get("nmmd")))))
    rows = [[r[1], r[2], r[0], *r[3:]] for r in rows]
    lines.append(_table(["data set", "noise floor", "method", *COLS], rows))
    lines.append("")

    # digits
    if cfg["digits_methods"]:
        fl = _floor(results, "digits")
        lines.append("### Digits (64-D)")
        lines.append("")
        lines.append(
            "The 8x8 digits, split in half into training and test sets. In 64 dimensions the default "
            "kernel of `normalized_mmd`, `RBF(1/sqrt(2))` on standardised data, sees almost every pair "
            "of points as unrelated, so its score says little; the column *median* uses "
            "`RBF(median heuristic of the standardised test set)` instead. Noise floor (training set vs "
            f"test set): {_f(fl.get('nmmd'))} (default kernel), {_f(fl.get('nmmd_median'))} (median kernel). "
            "POT's hyperparameters are scaled with the dimension (see the notes).")
        lines.append("")
        rows = []
        for m in METHOD_ORDER:
            r = aggregate(recs, dataset="digits", method=m, seed=seed)
            if r is None:
                continue
            row = _method_row(r)
            row.insert(2, _f(r.get("nmmd_median")) if r["status"] == "ok" else "")
            rows.append(row)
        lines.append(_table(["method", "norm. MMD", "median", *COLS[1:]], rows))
        lines.append("")

    # scaling
    lines.append(f"### Scaling with n ({cfg['scaling_dataset']})")
    lines.append("")
    lines.append(
        f"Fit on n training points, quality on {cfg['n_eval']} generated vs {cfg['n_eval']} test points "
        f"(noise floor {_f(_floor(results, cfg['scaling_dataset']).get('nmmd'))}). lecturekit's default uses "
        f"min(n, 1000) reference points, the baseline n. A run predicted to exceed "
        f"{cfg['max_fit_s']:.0f} s (from the same method at the largest smaller n) is skipped.")
    lines.append("")
    rows = []
    for n in cfg["scaling_n"]:
        for m in METHOD_ORDER:
            r = aggregate(recs, dataset=cfg["scaling_dataset"], n=n, method=m, seed=seed)
            if r is not None and m != "lk-large":
                rows.append(_method_row(r, extra=(str(n),)))
    rows = [[r[1], r[0], *r[2:]] for r in rows]
    lines.append(_table(["n", "method", *COLS], rows))
    lines.append("")
    # side-by-side ratios: baseline / lecturekit
    rows = []
    for n in cfg["scaling_n"]:
        lk_ = aggregate(recs, dataset=cfg["scaling_dataset"], n=n, method="lk-exact", params={}, seed=seed)
        bl = aggregate(recs, dataset=cfg["scaling_dataset"], n=n, method="baseline", params={}, seed=seed)
        if lk_ and bl and lk_["status"] == bl["status"] == "ok":
            rows.append([str(n), _f(_ratio(bl["fit_s"], lk_["fit_s"])), _f(_ratio(bl["fit_cpu_s"], lk_["fit_cpu_s"])),
                         _f(_ratio(bl.get("per_eval_s"), lk_.get("per_eval_s"))),
                         _f(_ratio(bl["peak_rss_mb"], lk_["peak_rss_mb"])),
                         _f(bl["nmmd"]) + " / " + _f(lk_["nmmd"])])
    if rows:
        lines.append("Baseline / lecturekit (`lk-exact`), measured side by side:")
        lines.append("")
        lines.append(_table(["n", "fit time (wall)", "fit time (CPU)", "time per evaluation",
                             "peak RSS", "norm. MMD (baseline / lecturekit)"], rows))
        lines.append("")

    # BLAS threads
    rows = []
    for m, n in ((m, n) for m in ("lk-exact", "baseline") for n in sorted({cfg["targets"]["d"]["n"], cfg["targets"]["a"]["n"]})):
        for threads in (None, 1):
            r = aggregate(recs, dataset=cfg["targets"]["a"]["dataset"], n=n, method=m, params={}, seed=seed,
                          blas_threads=threads)
            if r is None or r["status"] != "ok":
                continue
            reps = f" ({r['repeats']}x)" if r.get("repeats", 1) > 1 else ""
            rows.append([f"`{m}`", str(n), "default" if threads is None else str(threads),
                         _f(r["fit_s"]) + reps, _f(r["fit_cpu_s"]), _f(r.get("setup_s")),
                         _f(_ms(r.get("per_eval_s"))), str(r.get("iterations", "-"))])
    if rows:
        lines.append("### BLAS threads")
        lines.append("")
        lines.append(
            f"The same fits of {cfg['targets']['a']['dataset']} with OpenBLAS limited to one thread "
            "(`threadpoolctl.threadpool_limits(1, user_api=\"blas\")`) against the machine's default "
            "(one thread per core). *set-up* is the time before the optimiser starts (for lecturekit "
            "`TransportProblem.__init__`: the Cholesky factor and the constant term).")
        lines.append("")
        lines.append(_table(["method", "n", "BLAS threads", "fit [s]", "CPU [s]", "set-up [s]",
                             "ms / eval", "iters"], rows))
        lines.append("")

    # large
    lines.append("### Large target sets (random features and inducing points)")
    lines.append("")
    p = cfg["lk_large"]
    lines.append(f"`KernelTransport(n_features={p['n_features']}, n_inducing={p['n_inducing']}, "
                 f"n_reference={p['n_reference']})` on {cfg['large_dataset']}; peak RSS is the whole "
                 f"process (Python, numpy, numba and the data included).")
    lines.append("")
    rows = []
    for n in cfg["large_n"]:
        r = aggregate(recs, dataset=cfg["large_dataset"], n=n, method="lk-large", seed=seed)
        if r is not None:
            rows.append(_method_row(r, extra=(f"{n:,}",)))
    rows = [[r[1], r[0], *r[2:]] for r in rows]
    lines.append(_table(["n", "method", *COLS], rows))
    lines.append("")

    # notes
    lines.append("### Notes")
    lines.append("")
    pp = results["pot_params"]
    grid = cfg.get("grid")
    how = ("chosen on a validation draw of " + grid["dataset"] + f" (n = {grid['n']}, seed 100; never the test points) "
           "from the grids " + "; ".join(f"`{m}` {k} in {v}" for m in ("pot-sinkhorn", "pot-mapping")
                                         for k, v in grid[m].items())
           ) if grid else "the values of POT's documentation examples (no grid in a quick run)"
    lines.append(f"- POT hyperparameters ({how}): `SinkhornTransport({_kw(pp['pot-sinkhorn'])}, "
                 f"out_of_sample_map=\"continuous\")` and `MappingTransport(kernel=\"gaussian\", "
                 f"{_kw(pp['pot-mapping'])})`; both with as many Gaussian source points as data points. "
                 f"For the digits `reg_e` is multiplied by d/2 and `sigma` by sqrt(d/2).")
    if grid:
        tune = [r for r in recs if "tuning" in r["workloads"]]
        parts = []
        for r in tune:
            name = "reg_e" if r["method"] == "pot-sinkhorn" else "sigma"
            parts.append(f"`{r['method']}` {name}={r['params'][name]}: "
                         + (f"{_f(r['nmmd'])} ({_f(r['fit_s'])} s)" if r["status"] == "ok" else r["status"]))
        lines.append(f"- Validation scores (norm. MMD, fit time): {'; '.join(parts)}.")
    settings = next((r["settings"] for r in recs if r["method"] == "baseline" and r.get("settings")), None)
    lines.append(f"- `lk-rff` is `KernelTransport(n_features={cfg['lk_rff']['n_features']})`. The baseline "
                 f"uses lecturekit's default regularisation and stopping rule, read from lecturekit at run "
                 f"time: {_kw(settings) if settings else 'n/a'} (`normalise`: the objective is divided by "
                 f"its starting value, as lecturekit does).")
    lines.append("- *fit [s]* is wall time of `fit` in a fresh process after a warm-up fit on a tiny problem "
                 "(imports and numba's compiled-code cache are not counted); *CPU [s]* sums all threads; "
                 "*ms / eval* is the mean time of one objective-and-gradient evaluation; *peak RSS* is the "
                 "process's high-water mark after the fit and *fit added* how much the fit raised it.")
    bad = [r for r in recs if r["status"] != "ok"]
    if bad:
        lines.append("- Not run or failed: " + "; ".join(
            f"`{r['method']}` on {r['dataset']} n={r['n']}: {r['status']} ({r.get('error', '')})" for r in bad) + ".")
    unconv = [r for r in recs if r["status"] == "ok" and r.get("converged") is False]
    if unconv:
        lines.append("- Stopped at the iteration limit: " + ", ".join(
            sorted({f"`{r['method']}` on {r['dataset']} n={r['n']}" for r in unconv})) + ".")
    lines.append("")
    return "\n".join(lines)


def _kw(params):
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


# --------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------


def plots(results, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cfg, recs = results["config"], results["records"]
    seed = cfg["seed"]
    out = Path(out)

    # 1. the toy suite: quality and fit time per data set (markers side by side)
    datasets = cfg["toy_datasets"]
    methods = [m for m in ("lk-exact", "lk-rff", "baseline", "pot-sinkhorn", "pot-mapping")
               if any(r["method"] == m and r["n"] == cfg["toy_n"] and r["dataset"] in datasets for r in recs)]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    step = 0.7 / max(len(methods), 1)
    x = np.arange(len(datasets))
    for k, m in enumerate(methods):
        q, t = [], []
        for ds in datasets:
            r = aggregate(recs, dataset=ds, n=cfg["toy_n"], method=m, seed=seed)
            ok = r is not None and r["status"] == "ok"
            q.append(r["nmmd"] if ok else np.nan)
            t.append(r["fit_s"] if ok else np.nan)
        pos = x - 0.35 + step * (k + 0.5)
        axes[0].plot(pos, q, "o", color=COLORS[m], label=METHOD_LABELS[m])
        axes[1].plot(pos, t, "o", color=COLORS[m])
    floors = [_floor(results, ds).get("nmmd", np.nan) for ds in datasets]
    axes[0].hlines(floors, x - 0.4, x + 0.4, color="k", lw=1.5, label="noise floor")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("held-out normalised MMD (lower is better)")
    axes[1].set_yscale("log")
    axes[1].set_ylabel("fit time [s] (wall)")
    for ax in axes:
        ax.set_xticks(x)
        ax.set_xticklabels(datasets, rotation=30)
        ax.grid(axis="y", which="both", alpha=0.3)
        for b in x[:-1]:
            ax.axvline(b + 0.5, color="0.85", lw=0.8)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"Toy suite, n = {cfg['toy_n']}")
    fig.tight_layout(rect=(0, 0.13, 1, 1))
    fig.savefig(out / "toy_suite.png", dpi=110)
    plt.close(fig)

    # 2. scaling: fit time, time per evaluation, peak memory and quality against n
    fig, axes = plt.subplots(1, 4, figsize=(16, 4.8))
    ds = cfg["scaling_dataset"]
    for m in ("lk-exact", "lk-rff", "baseline", "pot-sinkhorn", "pot-mapping", "lk-large"):
        ns = cfg["large_n"] if m == "lk-large" else cfg["scaling_n"]
        dset = cfg["large_dataset"] if m == "lk-large" else ds
        pts = []
        for n in ns:
            r = aggregate(recs, dataset=dset, n=n, method=m, seed=seed)
            if r is not None and r["status"] == "ok":
                pts.append((n, r["fit_s"], r.get("per_eval_s"), r["peak_rss_mb"], r["nmmd"]))
        if not pts:
            continue
        n_, t_, e_, mem_, q_ = zip(*pts)
        style = dict(marker="o", color=COLORS[m], label=METHOD_LABELS[m])
        axes[0].plot(n_, t_, **style)
        if any(e is not None for e in e_):
            axes[1].plot([n for n, e in zip(n_, e_) if e is not None],
                         [1000 * e for e in e_ if e is not None], **style)
        axes[2].plot(n_, mem_, **style)
        axes[3].plot(n_, q_, **style)
    fl = _floor(results, ds).get("nmmd")
    if fl is not None:
        axes[3].axhline(fl, color="k", lw=1, ls="--", label="noise floor")
    t_c = cfg["targets"]["c"]
    axes[0].axhline(t_c["seconds"], color="grey", lw=0.8, ls=":")
    axes[2].axhline(t_c["memory_mb"], color="grey", lw=0.8, ls=":")
    titles = ["fit time [s] (wall)", "time per objective evaluation [ms]", "peak RSS [MB]",
              "held-out normalised MMD"]
    for ax, title in zip(axes, titles):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training points n")
        ax.set_title(title, fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    h3, l3 = axes[3].get_legend_handles_labels()
    handles += [h for h, l in zip(h3, l3) if l not in labels]
    labels += [l for l in l3 if l not in labels]
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(f"Scaling ({ds}; dotted: the 2-minute and 2 GB targets)")
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(out / "scaling.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results" / "results.json")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    results = json.loads(path.read_text())
    results["targets"] = evaluate_targets(results)
    text = summary_markdown(results)
    print(text)
    (path.parent / "summary.md").write_text(text)
    plots(results, path.parent)

"""The performance benchmark of lecturekit: one command, every figure side by side.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py            # the full suite, ~40 min on 2 idle cores
    .venv/bin/python benchmarks/run.py --quick    # a smoke test, a few minutes

Compared on the same data, on the same machine, in the same run:

* ``lecturekit.KernelTransport`` with its defaults (exact MMD; ``lk-exact``),
  with random features (``lk-rff``) and, for very large data, with random
  features and inducing points (``lk-large``);
* ``baseline``: the straightforward dense-matrix solver of ``baseline.py``
  (what a careful student writes from the representer chapter);
* POT's entropic map (``pot-sinkhorn``: ``ot.da.SinkhornTransport`` with
  ``out_of_sample_map="continuous"``) and kernel mapping estimator
  (``pot-mapping``: ``ot.da.MappingTransport(kernel="gaussian")``, Perrot et
  al. 2016), fitted from Gaussian samples to the standardised data and used as
  generators on fresh Gaussian samples.

Every fit runs in a fresh process (multiprocessing 'spawn') so that its peak
memory is its own; see ``fits.py`` for what is measured. The machine may be
shared, so absolute times are noisy: the runs of different methods are
interleaved and the targets are judged on ratios measured in the same run.

Results go to ``benchmarks/results/`` (``--quick``: ``benchmarks/results/quick/``):
``results.json`` (everything), ``fits.csv`` (one row per fit),
``summary.md`` (the tables, included by the book's appendix) and PNG plots.
"""

import argparse
import csv
import datetime
import json
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def snapshot_lecturekit():
    """Copy the package to a temporary folder and import it from there, in every fit.

    The package is edited while the benchmark runs; the snapshot makes all the
    fits of one run use the same code (spawned processes inherit ``sys.path``).
    Returns the folder and a SHA-256 of the package's sources.
    """
    import hashlib
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="lecturekit-bench-"))
    shutil.copytree(REPO / "lecturekit", folder / "lecturekit",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    digest = hashlib.sha256()
    for path in sorted((folder / "lecturekit").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    sys.path.insert(0, str(folder))
    return folder, digest.hexdigest()[:12]


import fits  # noqa: E402
import report  # noqa: E402

SEED = 0
N_EVAL = 2000  # generated and test points for the held-out MMD of the 2-D workloads


# --------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------


def lk_constant(name, default):
    import lecturekit as lk

    return getattr(lk.transport, name, default)


def make_config(quick):
    """What to run. The full run is sized for ~40 minutes on two idle cores."""
    n_features = int(lk_constant("AUTO_N_FEATURES", 2000))  # lecturekit's own large-data choice
    cfg = {
        "mode": "quick" if quick else "full",
        "seed": SEED,
        "n_eval": N_EVAL,
        # methods on the toy suite (the baseline is costly: it runs on `baseline_datasets`)
        "toy_datasets": ["moons", "8gaussians"] if quick else list(_toy_names()),
        "toy_n": 500 if quick else 2000,
        "baseline_datasets": ["moons"],
        # repeated, interleaved runs of lk-exact and the baseline on moons (target a)
        "repeats": 1 if quick else 3,
        "digits_methods": (["lk-exact", "baseline", "pot-sinkhorn"] if quick else
                           ["lk-exact", "lk-rff", "baseline", "pot-sinkhorn", "pot-mapping"]),
        "scaling_dataset": "moons",
        "scaling_n": [250, 500] if quick else [500, 1000, 2000, 5000, 10000],
        "large_dataset": "moons",
        "large_n": [10_000] if quick else [10_000, 100_000, 1_000_000],
        "lk_rff": {"n_features": n_features},
        # lecturekit's suggestion for large data (its error message for too many
        # reference points): 2000 random features, 1000 inducing points; 4000 reference points
        "lk_large": {"n_features": n_features, "n_inducing": 1000, "n_reference": 4000},
        # POT hyperparameters: the values of POT's documentation examples
        # (SinkhornTransport(reg_e=1e-1); MappingTransport(kernel="gaussian", eta=1e-5,
        # mu=1e-1, bias=True, sigma=1, max_iter=10)), then (full run) a small grid on a
        # validation draw of moons, never on the test points
        "pot_sinkhorn": {"reg_e": 0.1},
        "pot_mapping": {"eta": 1e-5, "mu": 0.1, "bias": True, "sigma": 1.0, "max_iter": 10},
        "grid": None if quick else {
            "dataset": "moons", "n": 1000,
            "pot-sinkhorn": {"reg_e": [0.05, 0.1, 0.2]},
            "pot-mapping": {"sigma": [0.5, 1.0, 2.0]},
        },
        # a fit predicted (from the same method's runs at smaller n) to take longer than
        # this is skipped with the prediction as the reason; a fit is killed after 3x
        "max_fit_s": 60.0 if quick else 300.0,
        "max_memory_mb": 8000.0,
        # growth exponents for the prediction: time and memory per fit versus n
        "time_exponent": {"baseline": 2.0, "pot-sinkhorn": 2.0, "pot-mapping": 2.5},
        "memory_exponent": {"baseline": 2.0, "pot-sinkhorn": 2.0, "pot-mapping": 2.0},
        "targets": {
            "a": {"dataset": "moons", "n": 500 if quick else 2000, "time_ratio": 10.0},
            "b": {"quality_ratio": 2.0, "time_ratio": 5.0},
            "c": {"n": 10_000 if quick else 1_000_000, "seconds": 120.0, "memory_mb": 2048.0},
            "d": {"dataset": "moons", "n": 500, "seconds": 1.0},
        },
    }
    return cfg


def _toy_names():
    import lecturekit as lk

    return lk.TOY_DATASETS


def scaled_pot_params(method, params, d):
    """POT hyperparameters chosen in 2-D, scaled with the dimension like lecturekit's kernels.

    Lengths (``sigma``) grow like ``sqrt(d / 2)``; the entropic regularisation
    ``reg_e``, which is compared with squared distances, like ``d / 2``.
    """
    p = dict(params)
    if d != 2:
        if method == "pot-sinkhorn":
            p["reg_e"] = p["reg_e"] * d / 2.0
        else:
            p["sigma"] = p["sigma"] * float(np.sqrt(d / 2.0))
    return p


# --------------------------------------------------------------------------------------
# Running one spec in a fresh process
# --------------------------------------------------------------------------------------


def spec_key(spec):
    return json.dumps({k: spec.get(k) for k in ("dataset", "n", "method", "params", "seed", "n_eval",
                                                "blas_threads")}, sort_keys=True)


def run_in_subprocess(spec, timeout):
    ctx = mp.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=fits.child_main, args=(spec, sender), daemon=True)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    proc.start()
    sender.close()
    rec = None
    timed_out = False
    if receiver.poll(timeout):
        try:
            rec = receiver.recv()
        except EOFError:
            rec = None
    else:
        timed_out = True
    proc.join(10)
    if proc.is_alive():
        proc.terminate()
        proc.join(10)
    if rec is None:
        if timed_out:
            rec = {"status": "timeout", "error": f"killed after {timeout:.0f} s"}
        else:
            rec = {"status": "error",
                   "error": f"the process died without a result (exit code {proc.exitcode}; "
                            f"-9 usually means it ran out of memory)"}
    rec["process_s"] = time.perf_counter() - start
    rec["load_before"] = load_before
    rec["load_after"] = os.getloadavg()[0]
    return rec


class Runner:
    """Runs specs once each (results are shared between workloads), predicts and skips."""

    def __init__(self, cfg, log, partial_path=None):
        self.cfg = cfg
        self.log = log
        self.partial_path = partial_path
        self.records = []
        self._by_key = {}

    def predicted(self, spec):
        """(seconds, megabytes, from_n) predicted from this method's largest successful smaller run."""
        method = spec["method"]
        if method not in self.cfg["time_exponent"]:
            return None
        done = [r for r in self.records
                if r["method"] == method and r["status"] == "ok" and r["dataset"] == spec["dataset"]
                and r["n"] < spec["n"] and r["params"] == spec["params"]
                and r.get("blas_threads") == spec.get("blas_threads")]
        if not done:
            return None
        ref = max(done, key=lambda r: r["n"])
        ratio = spec["n"] / ref["n"]
        seconds = ref["fit_s"] * ratio ** self.cfg["time_exponent"][method]
        increase = max(ref["fit_rss_increase_mb"], 1.0) * ratio ** self.cfg["memory_exponent"][method]
        return seconds, ref["rss_before_fit_mb"] + increase, ref["n"]

    def run(self, workload, spec, repeat=0):
        spec = {"seed": self.cfg["seed"], "n_eval": self.cfg["n_eval"], "params": {},
                "blas_threads": None, **spec}
        key = spec_key(spec) + f"#{repeat}"
        if key in self._by_key:
            rec = self._by_key[key]
            rec["workloads"] = sorted(set(rec["workloads"]) | {workload})
            return rec
        rec = {"workloads": [workload], "repeat": repeat, **spec}
        guess = self.predicted(spec)
        if guess is not None and (guess[0] > self.cfg["max_fit_s"] or guess[1] > self.cfg["max_memory_mb"]):
            seconds, mb, from_n = guess
            rec.update(status="skipped", error=(
                f"predicted {seconds:.0f} s and {mb:.0f} MB from the n={from_n} run "
                f"(limits {self.cfg['max_fit_s']:.0f} s, {self.cfg['max_memory_mb']:.0f} MB)"))
        else:
            rec.update(run_in_subprocess(spec, timeout=3.0 * self.cfg["max_fit_s"] + 120.0))
        self.records.append(rec)
        self._by_key[key] = rec
        self.log(report.progress_line(rec))
        if self.partial_path is not None:  # what has been measured so far, should the run stop
            self.partial_path.write_text(json.dumps({"config": self.cfg, "records": self.records},
                                                    indent=1, default=_json_default))
        return rec


# --------------------------------------------------------------------------------------
# The workloads
# --------------------------------------------------------------------------------------


def rotate(items, k):
    k %= len(items)
    return items[k:] + items[:k]


def tune_pot(runner, cfg):
    """Pick POT's hyperparameters on a validation draw (seed 100, never the test points)."""
    grid = cfg["grid"]
    chosen = {"pot-sinkhorn": dict(cfg["pot_sinkhorn"]), "pot-mapping": dict(cfg["pot_mapping"])}
    if grid is None:
        return chosen, []
    rows = []
    for method in ("pot-sinkhorn", "pot-mapping"):
        (name, values), = grid[method].items()
        best = None
        for v in values:
            params = {**chosen[method], name: v}
            rec = runner.run("tuning", {"dataset": grid["dataset"], "n": grid["n"], "method": method,
                                        "params": params, "seed": 100})
            rows.append(rec)
            if rec["status"] == "ok" and (best is None or rec["nmmd"] < best[0]):
                best = (rec["nmmd"], v)
        if best is not None:
            chosen[method][name] = best[1]
    return chosen, rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run for smoke-testing")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    args = parser.parse_args(argv)

    snapshot, source_hash = snapshot_lecturekit()
    cfg = make_config(args.quick)
    out = args.out or (HERE / "results" / ("quick" if args.quick else ""))
    out.mkdir(parents=True, exist_ok=True)
    log_file = open(out / "run.log", "w")

    def log(line=""):
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    from baseline import check_against_lecturekit

    rel_f, rel_g = check_against_lecturekit()
    rel_f64, rel_g64 = check_against_lecturekit(d=64)
    check = {"objective_rel_diff": max(rel_f, rel_f64), "gradient_rel_diff": max(rel_g, rel_g64)}
    env = environment()
    env["lecturekit_sources_sha256"] = source_hash
    log(f"lecturekit performance benchmark ({cfg['mode']} run), {env['started']}")
    log(f"  {env['cpu_count']} cores, load average {env['load_start']}, python {env['python']}, "
        f"lecturekit {env['versions'].get('lecturekit')}, POT {env['versions'].get('pot')}")
    log(f"  baseline == lecturekit.transport.TransportProblem at a random point: relative "
        f"differences {check['objective_rel_diff']:.1e} (objective), {check['gradient_rel_diff']:.1e} (gradient)")
    log(report.PROGRESS_HEADER)
    t_start = time.perf_counter()
    runner = Runner(cfg, log, partial_path=out / "partial.json")

    # 1. POT hyperparameters (validation data)
    pot_params, _ = tune_pot(runner, cfg)

    def methods_for(dataset, d=2):
        m = {
            "lk-exact": {},
            "lk-rff": dict(cfg["lk_rff"]),
            "pot-sinkhorn": scaled_pot_params("pot-sinkhorn", pot_params["pot-sinkhorn"], d),
            "pot-mapping": scaled_pot_params("pot-mapping", pot_params["pot-mapping"], d),
        }
        if dataset in cfg["baseline_datasets"] or d != 2:
            m["baseline"] = {}
        return m

    # 2. target (d): refit at n = 500, and target (a): moons, lk-exact against the baseline,
    #    repeated and interleaved
    #    Each also with BLAS limited to one thread (threadpoolctl): on a busy machine
    #    OpenBLAS's threads can make small factorisations and products very slow.
    td, ta = cfg["targets"]["d"], cfg["targets"]["a"]
    for r in range(cfg["repeats"]):
        runner.run("refit", {"dataset": td["dataset"], "n": td["n"], "method": "lk-exact"}, repeat=r)
        runner.run("blas", {"dataset": td["dataset"], "n": td["n"], "method": "lk-exact",
                            "blas_threads": 1}, repeat=r)
        order = ["lk-exact", "baseline"] if r % 2 == 0 else ["baseline", "lk-exact"]
        for method in order:
            runner.run("target-a", {"dataset": ta["dataset"], "n": ta["n"], "method": method}, repeat=r)
        runner.run("blas", {"dataset": ta["dataset"], "n": ta["n"], "method": "lk-exact",
                            "blas_threads": 1}, repeat=r)
    runner.run("blas", {"dataset": ta["dataset"], "n": ta["n"], "method": "baseline", "blas_threads": 1})

    # 3. the toy suite
    for i, dataset in enumerate(cfg["toy_datasets"]):
        methods = methods_for(dataset)
        for method in rotate(list(methods), i):
            runner.run("toy", {"dataset": dataset, "n": cfg["toy_n"], "method": method,
                               "params": methods[method]})

    # 4. large target sets: random features and inducing points
    for n in cfg["large_n"]:
        runner.run("large", {"dataset": cfg["large_dataset"], "n": n, "method": "lk-large",
                             "params": dict(cfg["lk_large"])})

    # 5. digits (64-D)
    if cfg["digits_methods"]:
        methods = methods_for("digits", d=64)
        for method in cfg["digits_methods"]:
            runner.run("digits", {"dataset": "digits", "n": 0, "method": method,
                                  "params": methods[method]})

    # 6. the scaling curve
    for i, n in enumerate(cfg["scaling_n"]):
        methods = methods_for(cfg["scaling_dataset"])
        methods["baseline"] = {}
        for method in rotate(list(methods), i):
            runner.run("scaling", {"dataset": cfg["scaling_dataset"], "n": n, "method": method,
                                   "params": methods[method]})

    total = time.perf_counter() - t_start
    env["load_end"] = [round(x, 2) for x in os.getloadavg()]
    env["total_s"] = total
    floors = report.noise_floors(runner.records)
    results = {
        "config": cfg, "environment": env, "baseline_check": check,
        "pot_params": pot_params, "noise_floors": floors, "records": runner.records,
    }
    results["targets"] = report.evaluate_targets(results)
    text = report.summary_markdown(results)
    log()
    log(text)
    (out / "summary.md").write_text(text)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=_json_default))
    write_csv(out / "fits.csv", runner.records)
    report.plots(results, out)
    (out / "partial.json").unlink(missing_ok=True)
    log(f"wrote {out}/: results.json, fits.csv, summary.md, run.log, "
        f"{', '.join(report.PLOT_FILES)}  ({total / 60:.1f} min)")
    log_file.close()
    import shutil

    shutil.rmtree(snapshot, ignore_errors=True)


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


CSV_FIELDS = [
    "workloads", "dataset", "n", "method", "params", "blas_threads", "seed", "repeat", "status", "error",
    "fit_s", "fit_cpu_s", "iterations", "evals", "per_eval_s", "eval_s", "setup_s",
    "peak_rss_mb", "fit_rss_increase_mb", "nmmd", "nmmd_median", "converged",
    "warmup_s", "sample_s", "process_s", "load_before", "load_after",
]


def write_csv(path, records):
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in records:
            row = dict(r)
            row["workloads"] = " ".join(r["workloads"])
            row["params"] = json.dumps(r["params"], sort_keys=True)
            w.writerow(row)


def environment():
    import importlib.metadata as md

    versions = {}
    for pkg in ("lecturekit", "numpy", "scipy", "numba", "pot", "scikit-learn", "matplotlib"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "lecturekit"], cwd=HERE.parent,
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        commit, dirty = None, None
    return {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "git_commit": commit,
        "lecturekit_modified": dirty,
    }


if __name__ == "__main__":
    main()

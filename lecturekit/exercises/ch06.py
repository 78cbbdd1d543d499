"""Checks for the exercises of chapter 6, "The solver in practice"."""

import functools
import inspect
import math
import warnings

import numpy as np
from scipy import stats

from ..datasets import make_toy, train_test_split
from ..metrics import normalized_mmd
from ..transport import ConvergenceWarning, KernelTransport, lecture_map_params
from ._core import Case, register

# ---------------------------------------------------------------------------------
# ch6-ex-untrained: the samples of the untrained model


def _untrained_reference(train, n_samples, random_state):
    mean, std = train.mean(axis=0), train.std(axis=0)
    draws = np.random.default_rng(random_state).standard_normal((n_samples, train.shape[1]))
    return mean + std * draws


@register("ch6-untrained", chapter=6, title="Why the untrained model scores 1",
          label="ch6-ex-untrained",
          answer="a function untrained_samples(train, n_samples, random_state) -> array of "
                 "shape (n_samples, d): the samples of the residual map with T = 0, in data "
                 "coordinates")
def _untrained():
    rng = np.random.default_rng(60)
    settings = [
        ("1000 moons, 500 samples, random_state=0",
         make_toy("moons", 1000, random_state=0), 500, 0),
        ("50 points in 3-D with means (5, -3, 100) and scales (2, 0.1, 30), 7 samples, "
         "random_state=12",
         np.array([5.0, -3.0, 100.0]) + np.array([2.0, 0.1, 30.0])
         * rng.standard_normal((50, 3)), 7, 12),
        ("20 points in 1-D, a single sample, random_state=5",
         4.0 + 0.5 * rng.standard_normal((20, 1)), 1, 5),
        ("30 points in 2-D whose second coordinate is the constant 4, 6 samples, "
         "random_state=3",
         np.column_stack([rng.standard_normal(30) - 2.0, np.full(30, 4.0)]), 6, 3),
    ]
    cases = []
    for description, train, n, seed in settings:
        d = train.shape[1]
        x = np.random.default_rng(seed).standard_normal((n, d))
        mean, std = train.mean(axis=0), train.std(axis=0)
        wrong = {
            "these are the Gaussian draws themselves: the untrained map is the identity in "
            "the standardised coordinates of the training data, and samples come back in "
            "data coordinates (shift by the mean, scale by the standard deviation).": x,
            "the scale is missing: each coordinate of the draws is multiplied by that "
            "coordinate's standard deviation before the mean is added.": mean + x,
            "the mean is missing: after scaling, the draws are shifted by the training "
            "data's mean.": std * x,
            "the draws are scaled by the variance; the standardisation divides by the "
            "standard deviation, so mapping back multiplies by it.": mean + std**2 * x,
            "this standardises the draws instead of mapping them back: the samples are the "
            "mean plus the standard deviation times the draws.":
                np.divide(x - mean, std, out=np.full_like(x, np.nan), where=std > 0),
            "KernelTransport standardises with the population standard deviation "
            "(ddof=0, numpy's default), not with ddof=1.":
                mean + train.std(axis=0, ddof=1) * x,
            "the standardisation is per coordinate: take the mean and the standard "
            "deviation of each column (axis 0), not of the whole array.":
                train.mean() + train.std() * x,
        }
        if n > 1 and d > 1:
            wrong["the draws are arranged differently from KernelTransport.sample, which "
                  "draws an (n_samples, d) array: one point per row."] = (
                mean + std * np.random.default_rng(seed).standard_normal((d, n)).T)
        cases.append(Case(description, args=(train, n, seed),
                          expected=_untrained_reference(train, n, seed), wrong=wrong,
                          hint="use the Gaussian draws of KernelTransport.sample: the rows "
                               "of np.random.default_rng(random_state).standard_normal("
                               "(n_samples, d)), then map them to data coordinates with "
                               "the training data's mean and standard deviation."))
    return cases


# ---------------------------------------------------------------------------------
# ch6-ex-pinwheel: a tuned model that beats the lecture's settings on fresh data

_PW_REFERENCE = 250        # reference points of every fit in the exercise
_PW_GAIN = 0.85            # the tuned model must score at most this times the lecture's settings
_PW_TEST = 2000            # fresh test points, and samples per score
_PW_DRAWS = 2              # score draws averaged


def _pinwheel_score(model, test):
    # normalised MMD of fresh samples against the fixed test set, averaged over draws
    return float(np.mean([
        normalized_mmd(model.sample(len(test), random_state=60 + k), test,
                       random_state=70 + k)
        for k in range(_PW_DRAWS)]))


@functools.lru_cache(maxsize=1)
def _pinwheel_setup():
    # the exercise's data, a fresh test set, and the lecture settings' fit and score (once)
    pinwheel = make_toy("pinwheel", 1500, random_state=10)
    fit_part, val_part = train_test_split(pinwheel, test_size=1000, random_state=11)
    test = make_toy("pinwheel", _PW_TEST, random_state=606)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        defaults = KernelTransport(n_reference=_PW_REFERENCE, random_state=0,
                                   **lecture_map_params(2)).fit(fit_part)
    return {"pinwheel": pinwheel, "fit": fit_part, "val": val_part, "test": test,
            "reference": defaults.reference_, "score": _pinwheel_score(defaults, test)}


def _same_data(model, data):
    return (np.allclose(model.mean_, data.mean(axis=0), rtol=1e-9, atol=1e-12)
            and np.allclose(model.scale_, data.std(axis=0), rtol=1e-9, atol=1e-12))


def _judge_pinwheel(model):
    if not isinstance(model, KernelTransport):
        return (f"expected a fitted lk.KernelTransport, got {type(model).__name__}",
                "pass the fitted model itself, not its score or its parameters: "
                "check('ch6-pinwheel', model).")
    if not hasattr(model, "coef_"):
        return ("your KernelTransport is not fitted",
                "call its fit method on the 500 fitting points before passing it.")
    setup = _pinwheel_setup()
    if not model.standardize:
        return ("your model was fitted with standardize=False",
                "keep the default standardize=True: the lengthscales of K and Q are meant "
                "for standardised data, as for the lecture's settings you compare with.")
    if model.n_features_in_ != 2 or not _same_data(model, setup["fit"]):
        if model.n_features_in_ == 2 and _same_data(model, setup["pinwheel"]):
            hint = ("you fitted on all 1500 points: the 1000 validation points must stay "
                    "unseen by the fit, or the validation score flatters the model.")
        elif model.n_features_in_ == 2 and _same_data(model, setup["val"]):
            hint = ("you fitted on the validation part: fit on the 500 points and validate "
                    "on the 1000 (train_test_split returns the fitting part first).")
        else:
            hint = ("draw the data and split it exactly as the exercise says (same sizes "
                    "and random_state values) and fit on the first part.")
        return ("your model was not fitted on the 500 fitting points of the exercise", hint)
    if model.reference_.shape != setup["reference"].shape or not np.allclose(
            model.reference_, setup["reference"]):
        return (f"your model has other reference points than the lecture's settings "
                f"({model.reference_.shape[0]} points; the lecture's settings use "
                f"{_PW_REFERENCE} drawn with random_state=0)",
                f"compare like with like: fit with n_reference={_PW_REFERENCE} and "
                "random_state=0. More reference points, or another draw of them, change "
                "the score by as much as tuning does.")
    score, default = _pinwheel_score(model, setup["test"]), setup["score"]
    if not np.isfinite(score):
        return ("the score of your samples is not finite",
                "look at your samples: a tiny lengthscale or reg = 0 can make the fit "
                "diverge.")
    what = (f"held-out normalised MMD on fresh data: yours {score:.3f}, the lecture settings' "
            f"{default:.3f}; a clear gain needs at most {_PW_GAIN * default:.3f}, "
            f"{1 - _PW_GAIN:.0%} below the lecture's settings")
    if score >= default:
        verdict = "worse than" if score > 1.001 * default else "no better than"
        return (f"your samples are {verdict} the lecture settings': " + what,
                "tune on the validation part, one setting at a time: the pinwheel's arms "
                "are thin and curved, so ask which lengthscale lets the map bend sharply "
                "and which one lets the loss see thin structure; then adjust reg.")
    if score > _PW_GAIN * default:
        return (f"your samples beat the lecture's settings by only {1 - score / default:.0%}: " + what,
                "a gain this small is within the noise of the score and may not survive "
                "fresh data. Change the lengthscales of K and Q and the weight reg together, "
                "and compare the validation gain with the noise floor.")
    return None


@register("ch6-pinwheel", chapter=6, title="Beat the lecture's settings on the pinwheel",
          label="ch6-ex-pinwheel",
          answer="your tuned lk.KernelTransport, fitted on the 500 fitting points with "
                 f"n_reference={_PW_REFERENCE} and random_state=0; it must score at least "
                 f"{1 - _PW_GAIN:.0%} below the lecture's settings on fresh pinwheel data",
          kind="object")
def _pinwheel():
    return [Case(f"{_PW_DRAWS} draws of {_PW_TEST} samples of your model against "
                 f"{_PW_TEST} fresh pinwheel points, compared with the lecture settings' fit",
                 args=None, compare=_judge_pinwheel)]


# ---------------------------------------------------------------------------------
# ch6-ex-jitter: the jittering copier


def _jitter_reference(train, n_samples, sigma, random_state):
    rng = np.random.default_rng(random_state)
    picked = train[rng.integers(0, len(train), size=n_samples)]
    return picked + sigma * rng.standard_normal(picked.shape)


def _grid(n_x, n_y, spacing, offset, seed):
    # well separated training points in random order
    points = np.array([[i, j] for i in range(n_x) for j in range(n_y)], float) * spacing
    return np.random.default_rng(seed).permutation(points + np.asarray(offset, float))


def _as_samples(result, n_samples, d):
    """The result as a float array of shape (n_samples, d), or (what is wrong, hint)."""
    if result is None or result is Ellipsis:
        return (f"your function returned {result!r}",
                "does it end with a `return` statement, or is the body still `...`?")
    try:
        out = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return (f"expected an array of samples, got {type(result).__name__}", "")
    if out.shape != (n_samples, d):
        if out.shape == (d, n_samples) and d != n_samples:
            hint = "the result is transposed: one sample per row."
        elif out.ndim == 2 and out.shape[0] != n_samples:
            hint = ("return n_samples points: draw the training points to copy with "
                    "replacement, n_samples of them (n_samples may exceed the size of the "
                    "training set).")
        else:
            hint = "return one sample per row, with as many columns as the training data."
        return (f"expected shape {(n_samples, d)}, got {out.shape}", hint)
    if not np.all(np.isfinite(out)):
        return ("the samples contain NaN or infinite values", "")
    return out


def _jitter_judge(train, n_samples, sigma):
    """compare() for a jittered copy of well-separated training points."""
    d = train.shape[1]
    std_train = train.std(axis=0)

    def judge(result):
        out = _as_samples(result, n_samples, d)
        if isinstance(out, tuple):
            return out
        # the nearest training point is the copied one: the points are far apart
        dist = np.linalg.norm(out[:, None, :] - train[None, :, :], axis=2)
        source = np.argmin(dist, axis=1)
        noise = out - train[source]
        if np.all(np.abs(noise) < 1e-12):
            return ("your samples are exact copies of training points",
                    "add Gaussian noise of standard deviation sigma to every copy.")
        if np.allclose(noise, noise[0], rtol=0, atol=1e-12):
            return ("every sample got the same noise vector",
                    "draw the noise independently for every sample and every coordinate: "
                    "an array of shape (n_samples, d).")
        s = noise.std(axis=0)
        if np.any(np.abs(s / sigma - 1) > 0.06):
            what = (f"the noise has standard deviation {', '.join(f'{v:.3g}' for v in s)} "
                    f"per coordinate; expected sigma = {sigma:g}")
            candidates = [
                (np.full(d, sigma**2), "sigma is the standard deviation of the noise, not "
                 "its variance: the noise is sigma times standard normal draws."),
                (np.full(d, np.sqrt(sigma)), "sigma is the standard deviation, so the "
                 "covariance of the noise is sigma^2 I, not sigma I."),
                (sigma * std_train, "sigma is in data units: do not scale the noise by the "
                 "data's standard deviation."),
            ]
            for target, hint in candidates:
                if np.all(np.abs(s / target - 1) < 0.15):
                    return (what, hint)
            return (what, "the noise of each coordinate is Gaussian with standard "
                          "deviation sigma.")
        se = sigma / math.sqrt(n_samples)
        if np.any(np.abs(noise.mean(axis=0)) > 6 * se):
            return (f"the noise has mean {noise.mean(axis=0).round(4).tolist()}, expected 0",
                    "the noise is centred: N(0, sigma^2 I).")
        corr = np.corrcoef(noise, rowvar=False) if d > 1 else np.ones((1, 1))
        off = np.abs(corr - np.eye(d)).max()
        if off > 6 / math.sqrt(n_samples):
            return (f"the noise of different coordinates is correlated (correlation up to "
                    f"{off:.2f})",
                    "draw independent noise for every coordinate, not one number per "
                    "sample.")
        inside = np.mean(np.abs(noise) < sigma)
        if abs(inside - 0.6827) > 0.04:
            return (f"{inside:.1%} of the noise values lie within one sigma of 0; for "
                    f"Gaussian noise it is 68.3%",
                    "the noise must be Gaussian (np.random.Generator.standard_normal or "
                    "normal), not uniform or another law.")
        counts = np.bincount(source, minlength=len(train))
        pvalue = stats.chisquare(counts).pvalue
        if pvalue < 1e-6:
            # the last training point alone never picked: an off-by-one upper bound
            last_only = counts[-1] == 0 and np.all(counts[:-1] > 0)
            return (f"the training points are not picked equally often (counts from "
                    f"{counts.min()} to {counts.max()}, expected about "
                    f"{n_samples / len(train):.0f} each)",
                    "pick each copied point uniformly at random among all training points, "
                    "with replacement"
                    + ("; the last training point is never picked: the upper end of a "
                       "random integer range is usually exclusive." if last_only else "."))
        return None

    return judge


def _jitter_exact_copies(train, n_samples):
    def judge(result):
        out = _as_samples(result, n_samples, train.shape[1])
        if isinstance(out, tuple):
            return out
        dist = np.min(np.linalg.norm(out[:, None, :] - train[None, :, :], axis=2), axis=1)
        if np.any(dist > 1e-12):
            return (f"with sigma = 0, {np.sum(dist > 1e-12)} of your samples are not "
                    "training points",
                    "with sigma = 0 there is no noise: every sample is a copy of a training "
                    "point.")
        return None

    return judge


def _jitter_reproducible(train):
    def judge(copier):
        try:
            first = copier(train.copy(), 20, 0.1, 3)
            second = copier(train.copy(), 20, 0.1, 3)
            other = copier(train.copy(), 20, 0.1, 4)
        except Exception as err:
            return (f"your function raised {type(err).__name__}: {err}", "")
        outs = [_as_samples(v, 20, train.shape[1]) for v in (first, second, other)]
        for out in outs:
            if isinstance(out, tuple):
                return out
        if not np.array_equal(outs[0], outs[1]):
            return ("two calls with random_state=3 gave different samples",
                    "draw everything from np.random.default_rng(random_state), not from the "
                    "global np.random functions: the same seed must give the same samples.")
        if np.array_equal(outs[0], outs[2]):
            return ("random_state=3 and random_state=4 gave the same samples",
                    "the samples must depend on random_state: seed the generator with it.")
        return None

    return judge


@register("ch6-jitter", chapter=6, title="Catching a copier", label="ch6-ex-jitter",
          answer="a function jitter_copier(train, n_samples, sigma, random_state) -> array "
                 "of shape (n_samples, d): training points picked uniformly with "
                 "replacement, plus N(0, sigma^2 I) noise")
def _jitter():
    grid = _grid(5, 6, 1.0, (10.0, -3.0), seed=0)
    corners = _grid(2, 2, 10.0, (0.0, 0.0), seed=1)
    cube = np.vstack([np.column_stack([corners, np.zeros(4)]),
                      np.column_stack([corners, np.full(4, 10.0)])]) + 50.0
    moons = make_toy("moons", 40, random_state=5)
    hint = "return n_samples jittered copies of training points, one per row."
    replace = ("n_samples may exceed the number of training points: pick them with "
               "replacement.")
    return [
        Case("30 training points on a grid with spacing 1, 6000 samples, sigma = 0.04",
             args=(grid, 6000, 0.04, 0), compare=_jitter_judge(grid, 6000, 0.04),
             hint=replace),
        Case("the 8 corners of a cube of side 10 in 3-D, 6000 samples, sigma = 0.7",
             args=(cube, 6000, 0.7, 1), compare=_jitter_judge(cube, 6000, 0.7),
             hint=replace),
        Case("40 moons, 50 samples, sigma = 0 (exact copies)",
             args=(moons, 50, 0.0, 2), compare=_jitter_exact_copies(moons, 50), hint=hint),
        Case("reproducibility: random_state=3 twice, then random_state=4 (40 moons, 20 "
             "samples, sigma = 0.1)",
             args=None, compare=_jitter_reproducible(moons), hint=hint),
    ]


# ---------------------------------------------------------------------------------
# ch6-ex-early: the early-stopping callback, driven by scripted scores

_EARLY_DEFAULTS = {"every": 5, "patience": 20, "min_improvement": 0.02}

# mistakes the simulation below can make, and what to tell a student who makes them
_EARLY_MISTAKES = {
    "no_patience": "you stop at the first score that does not improve: wait until "
                   "`patience` iterations have passed since the best iteration.",
    "late": "you stop one scored iteration late: stop as soon as `patience` iterations "
            "have passed since the best one, that is when the gap equals patience, not "
            "only when it exceeds it.",
    "no_min_improvement": "every lower score counts as an improvement in your class: a new "
                          "best must be more than min_improvement (a fraction) below the "
                          "best score so far; otherwise the noise of the score keeps "
                          "resetting the patience.",
    "absolute": "the improvement is relative: a new score must be below "
                "(1 - min_improvement) times the best score, not the best score minus "
                "min_improvement.",
    "previous": "compare each score with the best score so far, not with the previous "
                "score.",
    "evaluations": "patience counts iterations, not scored evaluations: with every=5 and "
                   "patience=20 the fit stops at the fourth score after the best one "
                   "without enough improvement.",
    "never": "your object never stops the fit: raise StopIteration (returning a value from "
             "the callback does not stop the solver).",
}


def _simulate_early(score, n_iter, every, patience, min_improvement, mistake=None):
    # the reference behaviour (mistake None) or a typical wrong one, on scripted scores;
    # returns (stopped at, best iteration, best score, history)
    best, best_it, previous, history = math.inf, 0, math.inf, []
    for it in range(1, n_iter + 1):
        if it % every:
            continue
        s = score(it)
        history.append((it, s))
        if mistake == "no_min_improvement":
            better = s < best
        elif mistake == "absolute":
            better = s < best - min_improvement
        elif mistake == "previous":
            better = s < (1.0 - min_improvement) * previous
        else:
            better = s < (1.0 - min_improvement) * best
        previous = s
        if better:
            best, best_it = s, it
            continue
        gap = it - best_it
        if mistake == "never":
            continue
        if (mistake == "no_patience"
                or (mistake == "late" and gap > patience)
                or (mistake == "evaluations" and gap >= patience * every)
                or (mistake not in ("late", "evaluations") and gap >= patience)):
            return it, best_it, best, history
    return None, best_it, best, history


def _script_a(it):
    # every = 5: a fast fall, then a creep of 0.0005 (0.2%) per score, then flat
    k = it // 5
    head = [1.0, 1.0, 0.6, 0.4, 0.3, 0.25]
    return head[k] if k < len(head) else 0.249 - 0.0005 * min(k - len(head), 4)


def _script_b(it):
    # every = 2: ten scores falling by 3% each, five by 0.01 each (0.4%), then flat
    k = max(it // 2 - 1, 0)
    return 3.0 * 0.97 ** min(k, 9) - 0.01 * min(max(k - 9, 0), 5)


class _ScoreSpy:
    """The injected score function: reads the score (and the iteration) off the samples."""

    def __init__(self, validation):
        self.validation = validation
        self.calls = []
        self.swapped = False

    def __call__(self, samples, validation):
        samples = np.asarray(samples, dtype=float)
        if samples.shape == self.validation.shape and np.array_equal(samples, self.validation):
            self.swapped = True
            return 1.0
        self.calls.append(int(samples[0, 1]))
        return float(samples[0, 0])


_VALIDATION = np.full((4, 2), -7.0)


def _drive(instance, score, n_iter, samples_for=None):
    """Call instance(iteration, samples) for 1..n_iter; (stopped at, error)."""
    for it in range(1, n_iter + 1):
        if samples_for is None:
            samples = np.tile([score(it), float(it)], (3, 1))
        else:
            samples = samples_for(it)
        try:
            instance(it, samples)
        except StopIteration:
            return it, None
        except Exception as err:
            return None, (it, err)
    return None, None


def _construct(cls, args, kwargs):
    """An instance of the student's class, or (what is wrong, hint)."""
    if not (isinstance(cls, type) or inspect.isfunction(cls)):
        return (f"expected the class EarlyStopping itself, got {type(cls).__name__}",
                "pass the class, not an instance of it: check('ch6-early', EarlyStopping). "
                "The check creates its own instances.")
    try:
        return cls(*args, **kwargs)
    except Exception as err:
        call = ", ".join(["validation"] + [f"{k}=..." for k in kwargs])
        return (f"EarlyStopping({call}) raised {type(err).__name__}: {err}",
                "the constructor is EarlyStopping(validation, every=5, patience=20, "
                "min_improvement=0.02, score=None).")


def _attributes(instance):
    try:
        return (instance.best_iteration, float(instance.best_score),
                [(int(i), float(s)) for i, s in instance.history])
    except AttributeError as err:
        return err
    except (TypeError, ValueError) as err:
        return err


def _early_judge(score, n_iter, params, defaults_case=False):
    every, patience, min_improvement = (params[k] for k in ("every", "patience",
                                                            "min_improvement"))
    ref_stop, ref_best_it, ref_best, ref_history = _simulate_early(
        score, n_iter, every, patience, min_improvement)
    spy = _ScoreSpy(_VALIDATION)
    kwargs = {"score": spy} if defaults_case else dict(params, score=spy)

    def judge(cls):
        instance = _construct(cls, (_VALIDATION.copy(),), kwargs)
        if isinstance(instance, tuple):
            return instance
        stopped, error = _drive(instance, score, n_iter)
        if error is not None:
            it, err = error
            return (f"at iteration {it} your object raised {type(err).__name__}: {err}",
                    "__call__(iteration, samples) computes the score on the iterations it "
                    "scores and raises nothing but StopIteration.")
        if spy.swapped:
            return ("your object called the score function with the validation set first",
                    "the score function is called as score(samples, validation).")
        if not spy.calls:
            return ("your object never called the score function passed as `score`",
                    "compute every score with the function given as the `score` argument "
                    "(None means the normalised MMD against the validation set).")
        off_grid = [i for i in spy.calls if i % every]
        if off_grid:
            return (f"your object scored iteration {off_grid[0]} although every={every}",
                    "score only the iterations that are multiples of `every`.")
        attributes = _attributes(instance)
        if stopped != ref_stop:
            mine = (f"raised StopIteration at iteration {stopped}" if stopped is not None
                    else f"never raised StopIteration in {n_iter} iterations")
            what = (f"expected StopIteration at iteration {ref_stop} (best iteration "
                    f"{ref_best_it}); your object {mine}")
            if defaults_case:
                return (what, "with the default arguments your object behaves differently: "
                              "the defaults are every=5, patience=20 and "
                              "min_improvement=0.02.")
            best_it = attributes[0] if isinstance(attributes, tuple) else None
            traces = {m: _simulate_early(score, n_iter, every, patience, min_improvement, m)
                      for m in _EARLY_MISTAKES}
            for exact in (True, False):
                for m, trace in traces.items():
                    if trace[0] == stopped and (not exact or trace[1] == best_it):
                        return (what, _EARLY_MISTAKES[m])
            if stopped is None:
                return (what, _EARLY_MISTAKES["never"])
            return (what, "too early: the patience is measured from the best iteration, "
                          "and only an improvement by the factor (1 - min_improvement) "
                          "resets it." if stopped < ref_stop else
                          "too late: stop at the first scored iteration at least `patience` "
                          "iterations after the best one.")
        if isinstance(attributes, Exception):
            return (f"reading the attributes best_iteration, best_score and history failed: "
                    f"{type(attributes).__name__}: {attributes}",
                    "keep the best score and its iteration in best_score and "
                    "best_iteration, and every (iteration, score) pair in the list "
                    "history.")
        best_it, best, history = attributes
        if best_it != ref_best_it or not np.isclose(best, ref_best, rtol=1e-12):
            return (f"expected best_iteration {ref_best_it} and best_score {ref_best:.6g}, "
                    f"got {best_it} and {best:.6g}",
                    "a score becomes the best only if it is below (1 - min_improvement) "
                    "times the best score so far; update both attributes together.")
        if len(history) != len(ref_history) or not np.allclose(history, ref_history,
                                                               rtol=1e-12):
            return (f"history has {len(history)} entries, expected {len(ref_history)} "
                    f"(iteration, score) pairs",
                    "append (iteration, score) for every scored iteration, including the "
                    "one that stops the fit.")
        return None

    return judge


def _default_score_judge(validation, samples_for):
    expected = normalized_mmd(samples_for(5), validation, random_state=0)

    def judge(cls):
        instance = _construct(cls, (validation.copy(),), {})
        if isinstance(instance, tuple):
            return instance
        stopped, error = _drive(instance, None, 5, samples_for)
        if error is not None:
            it, err = error
            return (f"at iteration {it} your object raised {type(err).__name__}: {err}",
                    "with score=None, use the normalised MMD of the samples against the "
                    "validation set.")
        if stopped is not None:
            return (f"your object stopped the fit at iteration {stopped}",
                    "never stop before any score has been computed and patience has run out.")
        attributes = _attributes(instance)
        if isinstance(attributes, Exception):
            return (f"reading the attributes failed: {type(attributes).__name__}: "
                    f"{attributes}", "keep best_score, best_iteration and history.")
        _, best, history = attributes
        if [i for i, _ in history] != [5]:
            return (f"after iterations 1 to 5, history holds the iterations "
                    f"{[i for i, _ in history]}, expected [5]",
                    "with the default every=5 only iteration 5 is scored.")
        got = history[0][1]
        if not np.isclose(got, expected, rtol=1e-9):
            return (f"the default score at iteration 5 is {got:.6g}, expected {expected:.6g}",
                    "with score=None the score is lk.normalized_mmd(samples, validation, "
                    "random_state=0): a fixed random_state makes the scores of different "
                    "iterations comparable.")
        if not np.isclose(best, expected, rtol=1e-9):
            return (f"best_score is {best:.6g} after the first score {expected:.6g}",
                    "the first score is always the best so far.")
        return None

    return judge


@register("ch6-early", chapter=6, title="Early stopping on a validation score",
          label="ch6-ex-early",
          answer="a class EarlyStopping(validation, every=5, patience=20, "
                 "min_improvement=0.02, score=None) whose instances are KernelTransport "
                 "callbacks, with attributes best_score, best_iteration and history")
def _early():
    rng = np.random.default_rng(6)
    validation = rng.standard_normal((40, 2))
    real = {it: rng.standard_normal((30, 2)) + 0.5 for it in range(1, 6)}
    return [
        Case("scripted scores: a fast fall, then a creep of 0.2% per score; "
             "every=5, patience=20, min_improvement=0.02, up to 150 iterations",
             args=None, compare=_early_judge(_script_a, 150, _EARLY_DEFAULTS)),
        Case("scripted scores around 3 that fall by 3% per score, then stay flat; "
             "every=2, patience=6, min_improvement=0.05, up to 60 iterations",
             args=None, compare=_early_judge(
                 _script_b, 60, {"every": 2, "patience": 6, "min_improvement": 0.05})),
        Case("the scores of the first case with the default every, patience and "
             "min_improvement",
             args=None, compare=_early_judge(_script_a, 150, _EARLY_DEFAULTS,
                                             defaults_case=True)),
        Case("the default score (score=None) on 30 real samples against 40 validation "
             "points, iterations 1 to 5",
             args=None, compare=_default_score_judge(validation, real.__getitem__)),
    ]

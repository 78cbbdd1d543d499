"""The checks of chapter 6: right answers pass, typical wrong answers fail with the right hint."""

import warnings

import numpy as np
import pytest

import lecturekit as lk
from lecturekit.exercises import ch06
from exercise_checks import fails_with  # noqa: E402


def check(name, answer):
    return lk.exercises.check(name, answer, verbose=False)


def test_chapter_6_has_a_check_for_every_exercise():
    labels = {lk.exercises._core._REGISTRY[n].label for n in lk.exercises.available(6)}
    assert labels == {"ch6-ex-untrained", "ch6-ex-pinwheel", "ch6-ex-jitter", "ch6-ex-early"}


# ---------------------------------------------------------------------------------
# ch6-untrained


def untrained_right(train, n_samples, random_state):
    # numpy's normal is loc + scale * standard normal, on the same stream
    rng = np.random.default_rng(random_state)
    return rng.normal(train.mean(axis=0), train.std(axis=0),
                      size=(n_samples, train.shape[1]))


def _draws(train, n, seed):
    return np.random.default_rng(seed).standard_normal((n, train.shape[1]))


def test_untrained_right_answer_passes():
    result = check("ch6-untrained", untrained_right)
    assert result and result.n_cases == 4


@pytest.mark.parametrize("wrong, words", [
    (lambda t, n, s: _draws(t, n, s), ["Gaussian draws themselves", "data coordinates"]),
    (lambda t, n, s: t.mean(0) + _draws(t, n, s), ["scale is missing"]),
    (lambda t, n, s: t.std(0) * _draws(t, n, s), ["mean is missing"]),
    (lambda t, n, s: t.mean(0) + t.var(0) * _draws(t, n, s), ["scaled by the variance"]),
    (lambda t, n, s: (_draws(t, n, s) - t.mean(0)) / t.std(0), ["standardises the draws"]),
    (lambda t, n, s: t.mean(0) + t.std(0, ddof=1) * _draws(t, n, s), ["ddof=0"]),
    (lambda t, n, s: t.mean() + t.std() * _draws(t, n, s), ["per coordinate"]),
    (lambda t, n, s: t.mean(0) + t.std(0) * np.random.default_rng(s).standard_normal(
        (t.shape[1], n)).T, ["one point per row"]),
    (lambda t, n, s: t.mean(0) + t.std(0) * np.random.standard_normal((n, t.shape[1])),
     ["np.random.default_rng(random_state)"]),
])
def test_untrained_typical_mistakes(wrong, words):
    fails_with("ch6-untrained", wrong, *words)


def test_untrained_edge_cases():
    def raises(train, n_samples, random_state):
        raise ValueError("boom")

    result = fails_with("ch6-untrained", raises, "raised ValueError: boom")
    assert result.failed_case == 1
    fails_with("ch6-untrained", lambda t, n, s: untrained_right(t, n, s)[:, 0],
               "expected shape (500, 2), got shape (500,)")
    fails_with("ch6-untrained", lambda t, n, s: None, "returned None")
    with pytest.raises(TypeError):
        check("ch6-untrained", untrained_right(np.ones((3, 2)), 2, 0))


def test_untrained_cases_do_not_depend_on_the_global_random_state():
    np.random.seed(1)
    first = ch06._untrained()
    np.random.seed(2)
    second = ch06._untrained()
    for a, b in zip(first, second):
        assert np.array_equal(a.expected, b.expected)
        assert all(np.array_equal(x, y) for x, y in zip(a.args[:1], b.args[:1]))


# ---------------------------------------------------------------------------------
# ch6-jitter


def jitter_right(train, n_samples, sigma, random_state):
    rng = np.random.default_rng(random_state)
    copies = rng.choice(train, size=n_samples, axis=0)
    return copies + rng.normal(0.0, sigma, size=copies.shape)


def _jitter(noise=None, pick=None):
    # a copier assembled from a picking rule and a noise rule
    def copier(train, n_samples, sigma, random_state):
        rng = np.random.default_rng(random_state)
        idx = (pick or (lambda rng, n, k: rng.integers(0, n, size=k)))(rng, len(train),
                                                                      n_samples)
        picked = train[idx]
        shape = picked.shape
        return picked + (noise(rng, shape, sigma, train) if noise
                         else sigma * rng.standard_normal(shape))
    return copier


def test_jitter_right_answer_passes():
    assert check("ch6-jitter", jitter_right)
    assert check("ch6-jitter", _jitter())   # the other common way of writing it


@pytest.mark.parametrize("wrong, words", [
    (_jitter(noise=lambda rng, shape, s, t: s**2 * rng.standard_normal(shape)),
     ["not its variance"]),
    (_jitter(noise=lambda rng, shape, s, t: np.sqrt(s) * rng.standard_normal(shape)),
     ["covariance of the noise is sigma^2 I"]),
    (_jitter(noise=lambda rng, shape, s, t: s * t.std(axis=0) * rng.standard_normal(shape)),
     ["data units"]),
    (_jitter(noise=lambda rng, shape, s, t: np.zeros(shape)), ["exact copies"]),
    (_jitter(noise=lambda rng, shape, s, t: s * rng.standard_normal(shape[1])),
     ["same noise vector"]),
    (_jitter(noise=lambda rng, shape, s, t: s * rng.standard_normal((shape[0], 1))),
     ["correlated"]),
    (_jitter(noise=lambda rng, shape, s, t: s * np.sqrt(3) * rng.uniform(-1, 1, shape)),
     ["must be Gaussian"]),
    (_jitter(noise=lambda rng, shape, s, t: s * rng.standard_normal(shape) + 0.5 * s),
     ["centred"]),
    (_jitter(pick=lambda rng, n, k: rng.integers(0, n - 1, size=k)),
     ["not picked equally often", "the last training point is never picked"]),
    (_jitter(pick=lambda rng, n, k: rng.integers(0, n, size=k) // 2),
     ["not picked equally often", "with replacement."]),
    (_jitter(pick=lambda rng, n, k: rng.choice(n, size=k, replace=False)),
     ["raised ValueError", "with replacement"]),
    (_jitter(pick=lambda rng, n, k: np.arange(min(n, k))),
     ["expected shape (6000, 2), got (30, 2)", "with replacement"]),
    (lambda t, n, s, r: t[np.random.randint(0, len(t), n)]
     + s * np.random.standard_normal((n, t.shape[1])), ["global np.random"]),
    (lambda t, n, s, r: jitter_right(t, n, s, 0), ["must depend on random_state"]),
])
def test_jitter_typical_mistakes(wrong, words):
    fails_with("ch6-jitter", wrong, *words)


def test_jitter_edge_cases():
    def raises(train, n_samples, sigma, random_state):
        raise KeyError("oops")

    fails_with("ch6-jitter", raises, "raised KeyError")
    fails_with("ch6-jitter", lambda t, n, s, r: jitter_right(t, n, s, r).T, "transposed")
    fails_with("ch6-jitter", lambda t, n, s, r: ..., "returned Ellipsis")
    # a list of rows is as good as an array
    assert check("ch6-jitter", lambda t, n, s, r: jitter_right(t, n, s, r).tolist())
    # sigma = 0 must give exact copies: a floor on the noise fails there only
    result = fails_with("ch6-jitter", lambda t, n, s, r: jitter_right(t, n, max(s, 1e-3), r),
                        "not training points")
    assert result.failed_case == 3


def test_jitter_check_does_not_depend_on_the_global_random_state():
    for seed in (0, 1):
        np.random.seed(seed)
        assert check("ch6-jitter", jitter_right)
    np.random.seed(0)
    first = [c.args for c in ch06._jitter() if c.args is not None]
    np.random.seed(1)
    second = [c.args for c in ch06._jitter() if c.args is not None]
    assert all(np.array_equal(a[0], b[0]) and a[1:] == b[1:] for a, b in zip(first, second))


# ---------------------------------------------------------------------------------
# ch6-early


def normalized_mmd_0(samples, validation):
    return lk.normalized_mmd(samples, validation, random_state=0)


class EarlyRight:
    """A correct answer, written with a counter of iterations since the best score."""

    def __init__(self, validation, every=5, patience=20, min_improvement=0.02, score=None):
        self.validation = validation
        self.every, self.patience, self.min_improvement = every, patience, min_improvement
        self.score = normalized_mmd_0 if score is None else score
        self.best_score, self.best_iteration = float("inf"), 0
        self.history = []

    def __call__(self, iteration, samples):
        if iteration % self.every != 0:
            return None
        value = self.score(samples, self.validation)
        self.history.append((iteration, value))
        if value < self.best_score * (1 - self.min_improvement):
            self.best_score, self.best_iteration = value, iteration
            return None
        if iteration - self.best_iteration >= self.patience:
            raise StopIteration
        return None


def early_wrong(mistake, default_patience=20):
    """EarlyRight with one typical mistake."""

    class Wrong(EarlyRight):
        def __init__(self, validation, every=5, patience=default_patience,
                     min_improvement=0.02, score=None):
            super().__init__(validation, every, patience, min_improvement, score)
            self.last = float("inf")
            if mistake == "default_score_seed" and score is None:
                self.score = lambda s, v: lk.normalized_mmd(s, v, random_state=1)

        def __call__(self, iteration, samples):
            if mistake != "every_iteration" and iteration % self.every:
                return None
            if mistake == "ignores_score":
                value = lk.normalized_mmd(samples, self.validation, random_state=0)
            elif mistake == "swapped":
                value = self.score(self.validation, samples)
            else:
                value = self.score(samples, self.validation)
            if mistake != "history_late":
                self.history.append((iteration, value))
            if mistake == "no_min_improvement":
                better = value < self.best_score
            elif mistake == "absolute":
                better = value < self.best_score - self.min_improvement
            elif mistake == "previous":
                better = value < (1 - self.min_improvement) * self.last
            else:
                better = value < (1 - self.min_improvement) * self.best_score
            self.last = value
            if better:
                self.best_score, self.best_iteration = value, iteration
                if mistake == "history_late":
                    self.history.append((iteration, value))
                return None
            gap = iteration - self.best_iteration
            stop = {"no_patience": True, "off_by_one": gap > self.patience,
                    "evaluations": gap >= self.patience * self.every}.get(
                        mistake, gap >= self.patience)
            if stop:
                if mistake == "returns_true":
                    return True
                if mistake == "runtime_error":
                    raise RuntimeError("stop the fit")
                if mistake != "never":
                    raise StopIteration
            if mistake == "history_late":
                self.history.append((iteration, value))
            return None

    return Wrong


def test_early_right_answer_passes():
    assert check("ch6-early", EarlyRight)


@pytest.mark.parametrize("mistake, words", [
    ("no_patience", ["first score that does not improve"]),
    ("off_by_one", ["one scored iteration late", "expected StopIteration at iteration 45",
                    "raised StopIteration at iteration 50"]),
    ("no_min_improvement", ["every lower score counts as an improvement"]),
    ("absolute", ["the improvement is relative"]),
    ("previous", ["best score so far, not with the previous score"]),
    ("evaluations", ["patience counts iterations, not scored evaluations"]),
    ("never", ["never raised StopIteration in 150 iterations", "raise StopIteration"]),
    ("returns_true", ["never stops the fit", "returning a value"]),
    ("runtime_error", ["at iteration 45 your object raised RuntimeError"]),
    ("every_iteration", ["scored iteration 1 although every=5", "multiples of `every`"]),
    ("ignores_score", ["never called the score function"]),
    ("swapped", ["validation set first", "score(samples, validation)"]),
    ("history_late", ["history has 8 entries, expected 9", "including the one that stops"]),
    ("default_score_seed", ["the default score at iteration 5", "random_state=0"]),
])
def test_early_typical_mistakes(mistake, words):
    fails_with("ch6-early", early_wrong(mistake), *words)


def test_early_wrong_defaults_and_interface():
    result = fails_with("ch6-early", early_wrong(None, default_patience=10),
                        "default arguments", "patience=20")
    assert result.failed_case == 3

    class NoScoreArgument:
        def __init__(self, validation, every=5, patience=20, min_improvement=0.02):
            pass

    fails_with("ch6-early", NoScoreArgument, "raised TypeError",
               "unexpected keyword argument 'score'", "score=None)")

    class NoAttributes:
        # right behaviour, but the state lives in another object
        def __init__(self, validation, every=5, patience=20, min_improvement=0.02,
                     score=None):
            self.inner = EarlyRight(validation, every, patience, min_improvement, score)

        def __call__(self, iteration, samples):
            return self.inner(iteration, samples)

    fails_with("ch6-early", NoAttributes, "best_iteration", "AttributeError")
    # an instance is callable too, but the check needs the class
    fails_with("ch6-early", EarlyRight(np.zeros((3, 2))), "expected the class EarlyStopping",
               "not an instance")
    with pytest.raises(TypeError):
        check("ch6-early", None)


def test_early_drives_a_real_fit():
    # the reference-style class really stops a KernelTransport, at a scored iteration
    data = lk.make_toy("moons", 300, random_state=0)
    stopper = EarlyRight(data[150:], every=2, patience=4, min_improvement=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.ConvergenceWarning)
        model = lk.KernelTransport(n_reference=100, random_state=0, callback=stopper)
        model.fit(data[:150])
    assert model.n_iter_ == stopper.history[-1][0]
    assert model.n_iter_ - stopper.best_iteration >= 4


def test_early_cases_do_not_depend_on_the_global_random_state():
    # the messages carry the numbers of the cases: equal messages, equal cases
    messages = []
    for seed in (3, 4):
        np.random.seed(seed)
        assert check("ch6-early", EarlyRight)
        messages.append(check("ch6-early", early_wrong("default_score_seed")).message)
    assert messages[0] == messages[1]
    assert "the default score at iteration 5" in messages[0]


# ---------------------------------------------------------------------------------
# ch6-pinwheel


@pytest.fixture(scope="module")
def pinwheel_split():
    pinwheel = lk.make_toy("pinwheel", 1500, random_state=10)
    fit_part, val_part = lk.train_test_split(pinwheel, test_size=1000, random_state=11)
    return pinwheel, fit_part, val_part


def _fit(data, **params):
    # the lecture's settings unless a test overrides them, as in the exercise
    base = dict(n_reference=250, random_state=0, **lk.lecture_map_params(2))
    base.update(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.ConvergenceWarning)
        return lk.KernelTransport(**base).fit(data)


def test_pinwheel_tuned_model_passes(pinwheel_split):
    _, fit_part, _ = pinwheel_split
    # a setting found on the validation part: short Q, narrow K, larger reg
    tuned = _fit(fit_part, map_kernel=lk.RBF(0.35), mmd_kernel=lk.RBF(0.3), reg=1e-3)
    assert check("ch6-pinwheel", tuned)


@pytest.mark.parametrize("params, words", [
    ({}, ["no better than the lecture settings'", "tune on the validation part"]),
    (dict(reg=1e-2), ["worse than the lecture settings'"]),
    (dict(map_kernel=lk.RBF(0.35), reg=1e-3), ["beat the lecture's settings by only",
                                               "within the noise"]),
    (dict(n_reference=500), ["other reference points", "(500 points",
                             "n_reference=250 and random_state=0"]),
    (dict(random_state=1), ["other reference points", "(250 points"]),
    (dict(standardize=False), ["standardize=False"]),
])
def test_pinwheel_typical_mistakes(pinwheel_split, params, words):
    _, fit_part, _ = pinwheel_split
    fails_with("ch6-pinwheel", _fit(fit_part, **params), *words)


def test_pinwheel_wrong_data_and_wrong_objects(pinwheel_split):
    pinwheel, fit_part, val_part = pinwheel_split
    fails_with("ch6-pinwheel", _fit(pinwheel), "not fitted on the 500", "all 1500 points")
    fails_with("ch6-pinwheel", _fit(val_part), "validation part")
    fails_with("ch6-pinwheel", _fit(lk.make_toy("pinwheel", 500, random_state=3)),
               "split it exactly as the exercise says")
    fails_with("ch6-pinwheel", _fit(lk.make_toy("moons", 500, random_state=3)),
               "not fitted on the 500")
    fails_with("ch6-pinwheel", lk.KernelTransport(n_reference=250), "not fitted")
    fails_with("ch6-pinwheel", 0.2, "expected a fitted lk.KernelTransport, got float")
    fails_with("ch6-pinwheel", {"reg": 1e-3}, "got dict")
    fails_with("ch6-pinwheel", ..., "your answer is Ellipsis")


def test_pinwheel_reference_does_not_depend_on_the_global_random_state():
    scores = []
    for seed in (0, 1):
        ch06._pinwheel_setup.cache_clear()
        np.random.seed(seed)
        scores.append(ch06._pinwheel_setup()["score"])
    assert scores[0] == scores[1]
    # the lecture's settings score well above the noise and far below the Gaussian's 1
    assert 0.15 < scores[0] < 0.6

"""Tests of lecturekit._validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecturekit._validation import (
    check_int,
    check_nonnegative,
    check_positive,
    check_random_state,
    check_same_dimension,
    check_samples,
)


# -- check_samples ----------------------------------------------------------------
def test_check_samples_accepts_lists_and_arrays():
    out = check_samples([[0.0, 1.0], [2.0, 3.0]])
    assert out.dtype == np.float64 and out.shape == (2, 2)
    np.testing.assert_array_equal(out, [[0.0, 1.0], [2.0, 3.0]])
    ints = check_samples(np.arange(6).reshape(3, 2))
    assert ints.dtype == np.float64
    np.testing.assert_array_equal(ints, np.arange(6.0).reshape(3, 2))
    X = np.ones((4, 3))
    assert check_samples(X) is X  # no copy when nothing needs converting


def test_check_samples_returns_c_contiguous_arrays():
    """Fortran-ordered input (np.asarray of a pandas DataFrame) and strided views are
    copied row by row, so that results do not depend on the memory layout."""
    X = np.arange(12.0).reshape(4, 3)
    for layout in (np.asfortranarray(X), X[:, ::2], X[::2], np.asfortranarray(X).astype(np.float32)):
        out = check_samples(layout)
        assert out.flags.c_contiguous and out.dtype == np.float64
        np.testing.assert_array_equal(out, layout)
    assert check_samples(X) is X


def test_check_samples_one_dimensional():
    with pytest.raises(ValueError, match=r"X must be a 2-D array.*got shape \(3,\).*X\.reshape\(-1, 1\).*X\.reshape\(1, -1\)"):
        check_samples(np.zeros(3))
    with pytest.raises(ValueError, match=r"data\.reshape\(-1, 1\)"):
        check_samples([1.0, 2.0], "data")
    out = check_samples([1.0, 2.0, 3.0], allow_1d=True)
    assert out.shape == (3, 1)
    with pytest.raises(ValueError, match=r"2-D.*shape \(\)"):
        check_samples(3.0)


def test_check_samples_three_dimensional():
    with pytest.raises(ValueError, match=r"3 dimensions and shape \(2, 3, 4\).*X\.reshape\(len\(X\), -1\)"):
        check_samples(np.zeros((2, 3, 4)))


def test_check_samples_empty():
    with pytest.raises(ValueError, match=r"at least 1 sample\(s\), got shape \(0, 2\)"):
        check_samples(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"at least 3 sample\(s\), got shape \(2, 2\)"):
        check_samples(np.zeros((2, 2)), min_samples=3)
    with pytest.raises(ValueError, match=r"at least one feature, got shape \(3, 0\)"):
        check_samples(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"shape \(0,\)"):
        check_samples([])


@pytest.mark.parametrize("bad, count", [(np.nan, "1 NaN or infinite entry"), (np.inf, "1 NaN or infinite entry"),
                                        (-np.inf, "1 NaN or infinite entry")])
def test_check_samples_non_finite(bad, count):
    X = np.zeros((3, 2))
    X[1, 0] = bad
    with pytest.raises(ValueError, match="X must contain only finite values, got " + count):
        check_samples(X)
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="got 2 NaN or infinite entries"):
        check_samples(X)


@pytest.mark.parametrize(
    "bad, match",
    [
        ("abc", r"got 'abc' \(type str\)"),
        (b"abc", r"type bytes"),
        (None, r"got None \(type NoneType\)"),
        ([["a", "b"]], r"got strings"),
        ([[1.0, 2.0], [3.0]], r"could not convert"),
        ({"a": 1}, r"type dict"),
    ],
)
def test_check_samples_wrong_types(bad, match):
    with pytest.raises(TypeError, match=r"Y must be an array.*" + match):
        check_samples(bad, "Y")


def test_check_samples_rejects_values_whose_squares_overflow():
    X = np.zeros((3, 2))
    X[1, 1] = -2e151
    with pytest.raises(ValueError, match=r"X has values up to 2e\+151 in absolute value.*1e\+150.*rescale"):
        check_samples(X)
    X[1, 1] = 1e150
    assert check_samples(X) is X


@pytest.mark.parametrize("bad", [
    [["1.0", "2.0"], ["3", "4"]],
    np.array([["1.0", "2.0"]]),
    np.array([[b"1.0", b"2.0"]]),
    np.array([[1.0, "2.0"]], dtype=object),
])
def test_check_samples_rejects_numeric_strings(bad):
    """Text that looks like numbers is not silently read as numbers."""
    with pytest.raises(TypeError, match=r"Y must be an array of numbers, got strings.*astype\(float\)"):
        check_samples(bad, "Y")


def test_check_samples_accepts_numbers_in_object_arrays():
    out = check_samples(np.array([[1, 2.5], [np.float32(3), 4]], dtype=object))
    np.testing.assert_array_equal(out, [[1.0, 2.5], [3.0, 4.0]])


def test_check_samples_rejects_masked_entries():
    """The values under a mask are not data: refuse them instead of using them."""
    X = np.ma.masked_array([[0.0, 1.0], [2.0, 1e6], [4.0, 5.0]],
                           mask=[[False, False], [False, True], [False, False]])
    with pytest.raises(ValueError, match=r"X is a masked array with 1 masked entry.*filled"):
        check_samples(X)
    unmasked = np.ma.masked_array([[0.0, 1.0]], mask=False)
    np.testing.assert_array_equal(check_samples(unmasked), [[0.0, 1.0]])


def test_numeric_strings_are_not_numbers_for_parameters():
    """reg="1e-3" and lengthscale="2" are refused, not read as numbers."""
    import lecturekit as lk

    with pytest.raises(TypeError, match="lengthscale must be a positive number, got '2'"):
        lk.RBF("2")
    Y = lk.make_toy("moons", 50, random_state=0)
    with pytest.raises(TypeError, match="reg must be a number >= 0, got '1e-3'"):
        lk.KernelTransport(reg="1e-3").fit(Y)


def test_check_samples_rejects_complex_arrays():
    with pytest.raises(TypeError, match="real numbers"):
        check_samples(np.array([[1.0 + 2.0j, 3.0]]))


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 4)),
        elements=st.floats(min_value=-1e150, max_value=1e150),
    )
)
def test_property_check_samples_returns_finite_2d_arrays_unchanged(X):
    out = check_samples(X)
    np.testing.assert_array_equal(out, X)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(check_samples(X.tolist()), X)


# -- other checks -----------------------------------------------------------------
def test_check_same_dimension():
    check_same_dimension(np.zeros((2, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"A and B must have the same number of features.*A with 3.*B with 2"):
        check_same_dimension(np.zeros((2, 3)), np.zeros((5, 2)), ("A", "B"))


def test_check_positive_and_nonnegative():
    assert check_positive(2, "a") == 2.0 and isinstance(check_positive(2, "a"), float)
    assert check_positive(np.float32(0.5), "a") == 0.5
    for bad, shown in [(0, "0.0"), (-1, "-1.0"), (float("nan"), "nan"), (float("inf"), "inf")]:
        with pytest.raises(ValueError, match=f"a must be a finite number greater than 0, got {shown}"):
            check_positive(bad, "a")
    for bad in ["1", None, True, [1.0], np.array([1.0])]:
        with pytest.raises(TypeError, match="a must be a positive number"):
            check_positive(bad, "a")
    assert check_nonnegative(0, "b") == 0.0
    with pytest.raises(ValueError, match=r"b must be a finite number >= 0, got -0\.1"):
        check_nonnegative(-0.1, "b")
    with pytest.raises(TypeError, match="b must be a number >= 0"):
        check_nonnegative("0", "b")


def test_check_int():
    assert check_int(3, "n") == 3
    assert check_int(np.int64(3), "n") == 3 and type(check_int(np.int64(3), "n")) is int
    assert check_int(None, "n", allow_none=True) is None
    assert check_int(0, "n", minimum=0) == 0
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        check_int(0, "n")
    for bad in [2.0, "2", True, None]:
        with pytest.raises(TypeError, match="n must be an integer >= 1"):
            check_int(bad, "n")


# -- check_random_state -----------------------------------------------------------
def test_check_random_state_none_gives_a_fresh_generator():
    a, b = check_random_state(None), check_random_state(None)
    assert isinstance(a, np.random.Generator)
    assert a is not b
    assert not np.array_equal(a.standard_normal(8), b.standard_normal(8))


def test_check_random_state_int_is_reproducible():
    a, b = check_random_state(42), check_random_state(42)
    assert isinstance(a, np.random.Generator)
    np.testing.assert_array_equal(a.standard_normal(100), b.standard_normal(100))
    np.testing.assert_array_equal(check_random_state(np.int64(42)).random(5), np.random.default_rng(42).random(5))
    assert not np.array_equal(check_random_state(43).random(5), np.random.default_rng(42).random(5))
    assert check_random_state(0).random() == np.random.default_rng(0).random()


def test_check_random_state_generator_is_returned_as_is():
    g = np.random.default_rng(1)
    assert check_random_state(g) is g


def test_check_random_state_legacy_random_state_is_converted_reproducibly():
    a = check_random_state(np.random.RandomState(5))
    b = check_random_state(np.random.RandomState(5))
    assert isinstance(a, np.random.Generator)
    np.testing.assert_array_equal(a.random(5), b.random(5))


@pytest.mark.parametrize("bad", [1.5, "0", [0], True, object()])
def test_check_random_state_bad_type(bad):
    with pytest.raises(TypeError, match=r"random_state must be None, an integer >= 0 or a numpy\.random\.Generator"):
        check_random_state(bad)


def test_check_random_state_negative():
    with pytest.raises(ValueError, match="got -1"):
        check_random_state(-1)

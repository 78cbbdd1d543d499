"""Numerical checks shared by the tests."""

import numpy as np


def numerical_gradient(f, X, h=1e-6):
    """Central differences of the scalar function ``f`` at ``X`` (any shape), entry by entry."""
    X = np.asarray(X, dtype=float)
    G = np.empty_like(X)
    for index in np.ndindex(X.shape):
        Xp, Xm = X.copy(), X.copy()
        Xp[index] += h
        Xm[index] -= h
        G[index] = (f(Xp) - f(Xm)) / (2 * h)
    return G

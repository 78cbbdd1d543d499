"""lecturekit: generative modeling with kernels.

The companion package of the book *Generative Modeling with Kernels*. A map
``T`` pushes the standard Gaussian ``N(0, I)`` onto a data distribution by
minimising the squared MMD between ``T(X)`` and the data ``Y`` plus an RKHS
penalty on ``T``; the representer formula turns this into a finite problem.

Modules mirror the book's chapters:

- ``lecturekit.pushforward``: push-forward measures (chapter 2)
- ``lecturekit.kernels``: kernels as callable objects (chapters 3 and 4)
- ``lecturekit.mmd``: the squared MMD and its gradient (chapter 3)
- ``lecturekit.features``: random Fourier features (chapter 3)
- ``lecturekit.representer``: the representer map and RKHS penalty (chapter 5)
- ``lecturekit.transport``: the transport solver ``KernelTransport`` (chapter 6)
- ``lecturekit.datasets``: toy data sets and the 8x8 digits
- ``lecturekit.metrics``: held-out quality of generated samples
- ``lecturekit.baselines``: simple generative models to compare with
- ``lecturekit.plotting``: figures and animations
- ``lecturekit.widgets``: an interactive explorer
- ``lecturekit.exercises``: checks for the exercises of every chapter

Examples
--------
>>> import lecturekit as lk
>>> Y = lk.make_toy("moons", 300, random_state=0)
>>> model = lk.KernelTransport(random_state=0).fit(Y)
>>> model.sample(5, random_state=1).shape
(5, 2)
"""

from . import (
    baselines,
    datasets,
    exercises,
    features,
    kernels,
    metrics,
    mmd,
    plotting,
    pushforward,
    representer,
    transport,
    widgets,
)
from ._validation import NotFittedError  # scikit-learn's, raised before fit  # noqa: F401
from .baselines import *  # noqa: F401,F403
from .datasets import *  # noqa: F401,F403
from .features import *  # noqa: F401,F403
from .kernels import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .mmd import *  # noqa: F401,F403
from .pushforward import *  # noqa: F401,F403
from .representer import *  # noqa: F401,F403
from .transport import *  # noqa: F401,F403

__version__ = "0.1.0"

"""Putting computed numbers into the book's prose.

The notebooks quote numbers through myst-nb's *glue* mechanism, so the text always shows
what the code computed. myst-nb formats a glued value from its plain-text form; NumPy 2
prints scalars as ``np.float64(0.5)``, which a format spec such as ``:.2f`` cannot
parse. :func:`glue` converts NumPy scalars to Python numbers first.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["glue", "plain_value"]

# an exercise's label: its single-valued answer is glued under it for the self-check
_EXERCISE = re.compile(r"^ex-[0-9]{2}-[a-z0-9]+(-[a-z0-9]+)*$")


def plain_value(value: object) -> object:
    """Return ``value`` with NumPy scalars (and 0-d arrays) turned into Python numbers.

    Parameters
    ----------
    value : object
        Any value; only NumPy scalars and 0-d arrays are converted.

    Returns
    -------
    object
        ``value.item()`` (a Python ``float``, ``int``, ``bool``, ``complex`` or ``str``)
        for a NumPy scalar or 0-d array; otherwise ``value`` itself, unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> plain_value(np.float64(0.25)), plain_value(np.int64(3)), plain_value(np.array(2.5))
    (0.25, 3, 2.5)
    >>> plain_value("text")
    'text'
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def glue(name: str, value: object, display: bool = False) -> None:
    """Record ``value`` under ``name`` for ``{glue:text}`name:.2f``` roles in the prose.

    A thin wrapper of :func:`myst_nb.glue` that first applies :func:`plain_value`.
    Outside a Jupyter kernel nothing is displayed.

    Parameters
    ----------
    name : str
        Key used in the markdown role; unique within the notebook. An exercise label
        (``"ex-06-bias-sigma"``) is allowed too: an exercise whose answer is one number
        or choice glues it under its label for the student edition's self-check.
    value : object
        The computed value (number, string, figure, DataFrame ...).
    display : bool
        Also show the value in the cell output.

    Examples
    --------
    >>> import numpy as np
    >>> glue("mean_hu", np.float64(-999.5))  # no kernel here: records nothing visible
    """
    if not isinstance(name, str) or not (name.isidentifier() or _EXERCISE.match(name)):
        raise ValueError(
            f"name must be a valid identifier string or an exercise label, got {name!r}"
        )
    from myst_nb import glue as _myst_glue

    _myst_glue(name, plain_value(value), display=display)

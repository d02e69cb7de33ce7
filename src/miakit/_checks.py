"""Shared input checks. Every error names the argument, what was expected and what came."""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np

__all__: list[str] = []

#: What every ``rng`` argument of miakit accepts: a Generator (used as is), an int seed
#: or None (fresh entropy); functions pass it to :func:`numpy.random.default_rng`.
RNGLike = np.random.Generator | int | None


def as_array(
    value: object,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    kind: str | None = None,
    allow_empty: bool = False,
) -> np.ndarray:
    """Return ``value`` as an ndarray after checking dimensionality and dtype kind.

    ``kind`` is a string of allowed ``dtype.kind`` letters, e.g. ``"biuf"`` for numbers
    or ``"b"`` for boolean masks.
    """
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"{name} must be a numeric array, got dtype object")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            expected = " or ".join(f"{d}D" for d in allowed)
            raise ValueError(
                f"{name} must be {expected}, got {array.ndim}D array of shape {array.shape}"
            )
    if kind is not None and array.dtype.kind not in kind:
        raise TypeError(f"{name} must have dtype kind in {kind!r}, got dtype {array.dtype}")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    return array


def as_image(value: object, name: str, *, ndim: int | tuple[int, ...] = (2, 3)) -> np.ndarray:
    """A real-valued image with finite values, returned as float64."""
    array = as_array(value, name, ndim=ndim, kind="buif")
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values, found NaN or inf")
    return array


def as_mask(value: object, name: str, *, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """A binary mask: boolean, or integers/floats holding only 0 and 1."""
    array = as_array(value, name, ndim=ndim, kind="buif")
    if array.dtype != bool:
        values = np.unique(array)
        if not np.all(np.isin(values, (0, 1))):
            shown = values[:5].tolist()
            raise ValueError(f"{name} must be binary (0/1 or bool), got values such as {shown}")
        array = array.astype(bool)
    return array


def same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise if two arrays differ in shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_b} shape {b.shape} does not match {name_a} shape {a.shape}")


def as_spacing(spacing: object, ndim: int, name: str = "spacing_mm") -> tuple[float, ...]:
    """Voxel spacing: a positive scalar (isotropic) or one positive value per axis."""
    if spacing is None:
        return (1.0,) * ndim
    try:
        if np.ndim(spacing) == 0:
            values: Sequence[float] = (float(spacing),) * ndim  # type: ignore[arg-type]
        else:
            values = tuple(float(s) for s in spacing)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a number or one number per axis, got {spacing!r}"
        ) from None
    if len(values) != ndim:
        raise ValueError(f"{name} must have {ndim} values (one per axis), got {len(values)}")
    if not all(np.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"{name} must be positive and finite, got {tuple(values)}")
    return tuple(values)


def positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """A finite positive (or non-negative) number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return number


def finite(value: float, name: str) -> float:
    """Any finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def probability(value: float, name: str) -> float:
    """A number in the closed interval [0, 1]."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number in [0, 1], got {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return number


def at_most(value: float, name: str, limit: float, why: str) -> None:
    """Cap an option whose work or memory grows with its value (no unbounded calls)."""
    if value > limit:
        raise ValueError(f"{name} must be <= {limit:g} ({why}), got {value!r}")


def choice(value: str, name: str, options: Sequence[str]) -> str:
    """One of a fixed set of strings (or other hashable options)."""
    kinds = tuple({type(o) for o in options})
    if isinstance(value, bool) or not isinstance(value, kinds):
        shown = f"{type(value).__name__} {value!r}"[:80]
        raise TypeError(f"{name} must be one of {sorted(options)}, got {shown}")
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


def flag(value: bool, name: str) -> bool:
    """A boolean switch: True or False (not any truthy value such as ``"no"``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}"[:120])
    return bool(value)


def as_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """A NumPy Generator from None, a seed (int >= 0 or list of them) or a Generator."""
    if rng is None or isinstance(rng, (np.random.Generator, np.random.BitGenerator)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if (
        isinstance(rng, (list, tuple))
        and rng
        and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in rng
        )
    ):
        return np.random.default_rng(list(rng))  # a seed sequence such as [seed, k]
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
        raise TypeError(
            f"{name} must be None, an integer seed or a numpy Generator, got {rng!r}"[:120]
        )
    if rng < 0:
        raise ValueError(f"{name} seed must be >= 0, got {rng}")
    return np.random.default_rng(int(rng))


def finite_array(value: object, name: str) -> np.ndarray:
    """A real scalar or array with finite values, as float64 (any number of dimensions)."""
    array = as_array(value, name, kind="buif")
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values, found NaN or inf")
    return array


def as_path(value: object, name: str) -> Path:
    """A non-empty str or path-like, as a Path."""
    if not isinstance(value, (str, PathLike)):
        raise TypeError(f"{name} must be a str or path-like, got {type(value).__name__}")
    if str(value).strip() == "":
        raise ValueError(f"{name} must not be empty, got {value!r}")
    return Path(value)


MAX_VOXELS = 2**27  # 134 million voxels: 1 GiB as float64


def shape_of(value: object, name: str, *, ndim: tuple[int, ...] = (2, 3)) -> tuple[int, ...]:
    """An image shape: a tuple of positive integers, within :data:`MAX_VOXELS` voxels."""
    try:
        dims = tuple(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be a tuple of integers, got {value!r}") from None
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise TypeError(f"{name} must be a tuple of integers, got {value!r}")
    if len(dims) not in ndim or min(dims) < 1:
        expected = " or ".join(f"{d}D" for d in ndim)
        raise ValueError(f"{name} must be {expected} with positive sizes, got {value!r}")
    if float(np.prod([float(d) for d in dims])) > MAX_VOXELS:
        raise ValueError(f"{name} must have at most {MAX_VOXELS} voxels, got {value!r}")
    return tuple(int(d) for d in dims)


def positive_int(value: int, name: str, *, minimum: int = 1) -> int:
    """An integer not below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)

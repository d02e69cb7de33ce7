"""MRI k-space: the Fourier domain an MR scanner samples, and its undersampling.

Private part of :mod:`miakit.physics` (import the functions from there). Taught in
chapter 02 (*Modalities*).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._checks import RNGLike, as_array, as_rng, choice, positive_int, probability


def image_to_kspace(image: np.ndarray) -> np.ndarray:
    """Centred 2D Fourier transform: image to k-space (DC at the array centre).

    Parameters
    ----------
    image : ndarray of shape (Y, X), real or complex

    Returns
    -------
    ndarray of complex128, shape (Y, X)
        Orthonormal scaling, so :func:`kspace_to_image` inverts it and energy is kept.

    Raises
    ------
    ValueError
        If ``image`` is not 2D or has NaN/inf.

    Examples
    --------
    >>> k = image_to_kspace(np.ones((4, 4)))  # a flat image has only the DC term
    >>> np.round(np.abs(k[2]), 6), round(float(np.abs(k).sum()), 6)
    (array([0., 0., 4., 0.]), 4.0)
    """
    array = _finite_complex(image, "image")
    return np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(array), norm="ortho"))


def kspace_to_image(kspace: np.ndarray) -> np.ndarray:
    """Inverse of :func:`image_to_kspace`: the complex image (``np.abs`` gives magnitude).

    Parameters
    ----------
    kspace : ndarray of shape (Y, X), real or complex
        Centred k-space (DC at the array centre), as from :func:`image_to_kspace`.

    Returns
    -------
    ndarray of complex128, shape (Y, X)

    Raises
    ------
    TypeError
        If ``kspace`` is None or has a non-numeric dtype.
    ValueError
        If ``kspace`` is not 2D, is empty or has NaN/inf.

    Examples
    --------
    >>> image = np.arange(12.0).reshape(3, 4)
    >>> np.allclose(kspace_to_image(image_to_kspace(image)), image)
    True
    """
    array = _finite_complex(kspace, "kspace")
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(array), norm="ortho"))


def _finite_complex(value: object, name: str) -> np.ndarray:
    array = as_array(value, name, ndim=2, kind="biufc")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values, found NaN or inf")
    return array.astype(np.complex128, copy=False)


def undersample_kspace(
    kspace: np.ndarray,
    *,
    factor: int,
    center_fraction: float = 0.08,
    pattern: Literal["random", "equispaced"] = "random",
    rng: RNGLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep about one phase-encoding line (row) in ``factor``, always the central ones.

    Parameters
    ----------
    kspace : ndarray of shape (Y, X), complex
        Centred k-space (:func:`image_to_kspace`); rows are phase-encoding lines.
    factor : int
        Acceleration R (>= 1): the number of rows kept is ``round(Y / factor)``, or the
        central block if that is larger.
    center_fraction : float
        Fraction of rows around the centre that are always kept (in [0, 1]); they hold the
        contrast (low spatial frequencies).
    pattern : {"random", "equispaced"}
        Where the other rows go: at random (incoherent, noise-like aliasing, as used by
        compressed sensing) or every ``factor``-th row (ghosts shifted by ``Y / factor``).
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed (used by "random").

    Returns
    -------
    masked : ndarray of complex128, shape (Y, X)
        ``kspace`` with the skipped rows set to zero.
    mask : ndarray of bool, shape (Y, X)
        True where k-space was acquired.

    Raises
    ------
    ValueError
        If ``kspace`` is not 2D or has NaN/inf, ``factor`` < 1, ``center_fraction``
        outside [0, 1] or ``pattern`` unknown.

    Examples
    --------
    >>> k = image_to_kspace(np.ones((64, 64)))
    >>> masked, mask = undersample_kspace(k, factor=4, center_fraction=0.1, rng=0)
    >>> int(mask[:, 0].sum()), bool(mask[32].all())
    (16, True)
    """
    array = _finite_complex(kspace, "kspace")
    factor = positive_int(factor, "factor")
    center_fraction = probability(center_fraction, "center_fraction")
    choice(pattern, "pattern", ["random", "equispaced"])
    n_rows, centre = array.shape[0], array.shape[0] // 2
    n_centre = int(round(n_rows * center_fraction))
    rows = np.zeros(n_rows, dtype=bool)
    rows[centre - n_centre // 2 : centre - n_centre // 2 + n_centre] = True
    n_keep = max(int(round(n_rows / factor)), int(rows.sum()))
    if pattern == "equispaced":
        rows[(np.arange(n_rows) - centre) % factor == 0] = True
    else:
        candidates = np.flatnonzero(~rows)
        size = n_keep - int(rows.sum())
        rows[as_rng(rng).choice(candidates, size=size, replace=False)] = True
    mask = np.broadcast_to(rows[:, None], array.shape).copy()
    return np.where(mask, array, 0), mask

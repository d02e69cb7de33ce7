"""Intensity standardisation of MR images: Nyúl's landmark method.

MR intensities have no physical unit, so thresholds and models tuned on one scanner do
not transfer to another. Nyúl and Udupa's method [1]_ learns a *standard scale* from
training images: a few landmarks of each image's histogram (percentiles inside a
foreground mask) are mapped linearly onto a common range and averaged. A new image is
then mapped piecewise-linearly so that its landmarks land on the standard ones.

Unlike whole-histogram matching (:func:`skimage.exposure.match_histograms`), which
forces *every* quantile of the image onto a reference and so copies the reference's
tissue composition, a handful of landmarks leaves the shape of the histogram between
them alone. Taught in chapter 06 (segmentation) of the book.

References
----------
.. [1] L. G. Nyúl, J. K. Udupa and X. Zhang, "New variants of a method of MRI scale
   standardization", IEEE Trans. Med. Imaging 19(2):143-150, 2000.
   doi:10.1109/42.836373
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._checks import as_image, as_mask, same_shape

__all__ = ["NYUL_PERCENTILES", "nyul_fit", "nyul_standardize"]

#: Landmarks of Nyúl et al. (2000): the 1st and 99th percentiles bound the range, the
#: deciles in between follow the shape of the histogram.
NYUL_PERCENTILES: tuple[float, ...] = (1.0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99.0)


def _percentiles(percentiles: Sequence[float]) -> np.ndarray:
    values = np.asarray(percentiles, dtype=np.float64)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"percentiles must hold at least 2 values, got {percentiles!r}")
    if not (np.all(values >= 0) and np.all(values <= 100) and np.all(np.diff(values) > 0)):
        raise ValueError(f"percentiles must increase strictly within [0, 100], got {percentiles!r}")
    return values


def _landmarks(image: object, mask: object, percentiles: np.ndarray, name: str) -> np.ndarray:
    """Percentile landmarks of ``image`` inside ``mask`` (checked, strictly increasing)."""
    values = as_image(image, name, ndim=(1, 2, 3))
    if mask is not None:
        region = as_mask(mask, f"mask of {name}")
        same_shape(values, region, name, f"mask of {name}")
        values = values[region]
    if values.size == 0:
        raise ValueError(f"mask of {name} must contain at least one True voxel, got none")
    marks = np.percentile(values, percentiles)
    if not np.all(np.diff(marks) > 0):
        raise ValueError(
            f"{name} has repeated landmark values {np.round(marks, 4).tolist()}: "
            "too few distinct grey values inside the mask for these percentiles"
        )
    return marks


def nyul_fit(
    images: Sequence[np.ndarray],
    *,
    masks: Sequence[np.ndarray] | None = None,
    percentiles: Sequence[float] = NYUL_PERCENTILES,
    scale: tuple[float, float] = (0.0, 100.0),
) -> np.ndarray:
    """Learn the standard scale (landmark positions) from training images.

    Parameters
    ----------
    images : sequence of ndarray
        Training images (any dimensionality, each finite), for example brains of one
        contrast from several scanners.
    masks : sequence of ndarray of bool, optional
        Foreground of each image (for example the brain), same shapes as ``images``.
        Default: every voxel.
    percentiles : sequence of float, default :data:`NYUL_PERCENTILES`
        Landmark percentiles, strictly increasing in [0, 100]; the first and last bound
        the range.
    scale : tuple of 2 float, default (0, 100)
        Standard values of the first and last landmark; ``scale[0] < scale[1]``.

    Returns
    -------
    ndarray of shape (len(percentiles),)
        Standard landmark values, increasing from ``scale[0]`` to ``scale[1]``.

    Raises
    ------
    ValueError
        If ``images`` is empty, ``masks`` has another length, a mask is empty or of
        another shape, the percentiles are not increasing in [0, 100], ``scale`` is not
        increasing, or an image has too few distinct values for the landmarks.

    Notes
    -----
    Each image's landmarks :math:`m_k` are mapped linearly so that the first and last
    land on ``scale``: :math:`s_1 + (m_k - m_1)(s_2 - s_1)/(m_K - m_1)`; the standard
    landmarks are their mean over the training images.

    Examples
    --------
    >>> a = np.arange(101.0)  # uniform 0..100
    >>> b = np.arange(101.0) ** 2  # same order, squeezed towards 0
    >>> np.round(nyul_fit([a, b], percentiles=(0, 50, 100)), 2)
    array([  0. ,  37.5, 100. ])
    """
    if len(images) == 0:
        raise ValueError("images must hold at least one training image, got none")
    if masks is not None and len(masks) != len(images):
        raise ValueError(f"masks must have one mask per image ({len(images)}), got {len(masks)}")
    pct = _percentiles(percentiles)
    low, high = (float(v) for v in scale)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"scale must be two finite increasing values, got {scale!r}")
    mapped = []
    for i, image in enumerate(images):
        marks = _landmarks(image, None if masks is None else masks[i], pct, f"images[{i}]")
        mapped.append(low + (marks - marks[0]) * (high - low) / (marks[-1] - marks[0]))
    return np.mean(mapped, axis=0)


def nyul_standardize(
    image: np.ndarray,
    standard_landmarks: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    percentiles: Sequence[float] = NYUL_PERCENTILES,
) -> np.ndarray:
    """Map an image onto the standard scale learned by :func:`nyul_fit`.

    Parameters
    ----------
    image : ndarray
        Image to standardise (any dimensionality, finite values).
    standard_landmarks : ndarray of shape (K,)
        Output of :func:`nyul_fit`, strictly increasing.
    mask : ndarray of bool, same shape as ``image``, optional
        Foreground in which the landmarks are measured; the mapping is applied to every
        voxel. Default: every voxel.
    percentiles : sequence of float, default :data:`NYUL_PERCENTILES`
        The percentiles used in :func:`nyul_fit` (K values).

    Returns
    -------
    ndarray of float64, same shape as ``image``
        Piecewise-linear, increasing map of ``image`` whose landmarks equal
        ``standard_landmarks``; values beyond the first/last landmark continue the
        first/last segment.

    Raises
    ------
    ValueError
        If ``standard_landmarks`` does not have one increasing value per percentile,
        ``mask`` is empty or of another shape, or the image has too few distinct values.

    Examples
    --------
    >>> standard = np.array([0.0, 37.5, 100.0])
    >>> image = 3.0 * np.arange(101.0) + 7.0  # another scanner's scale and offset
    >>> out = nyul_standardize(image, standard, percentiles=(0, 50, 100))
    >>> float(out[0]), float(out[50]), float(out[100])
    (0.0, 37.5, 100.0)
    """
    pct = _percentiles(percentiles)
    standard = np.asarray(standard_landmarks, dtype=np.float64)
    if standard.shape != pct.shape or not np.all(np.diff(standard) > 0):
        raise ValueError(
            f"standard_landmarks must hold {pct.size} increasing values (one per "
            f"percentile), got {np.round(standard, 4).tolist()}"
        )
    values = as_image(image, "image", ndim=(1, 2, 3))
    marks = _landmarks(values, mask, pct, "image")
    out = np.interp(values, marks, standard)
    below, above = values < marks[0], values > marks[-1]
    slope_low = (standard[1] - standard[0]) / (marks[1] - marks[0])
    slope_high = (standard[-1] - standard[-2]) / (marks[-1] - marks[-2])
    out[below] = standard[0] + (values[below] - marks[0]) * slope_low
    out[above] = standard[-1] + (values[above] - marks[-1]) * slope_high
    return out

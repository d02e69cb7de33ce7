"""Metrics for segmentations (overlap, surface distance) and for image quality.

Segmentation metrics compare a reference mask ``mask_true`` with a prediction
``mask_pred`` (2D or 3D, same shape). Distances are measured between the *surfaces*
of the masks (their boundary voxels) in millimetres, honouring anisotropic voxel
spacing. Image-quality metrics compare a reference image ``image_true`` with a test
image ``image_test`` (MSE, PSNR, SSIM) or summarise one image (SNR, CNR, entropy);
they are implemented in the private module ``miakit._image_quality`` and re-exported
here, their public home.

Empty masks, one convention for every metric in this module:

* both masks empty: Dice and Jaccard return ``empty_score`` (default 1.0, "nothing to
  find and nothing found"); distance metrics return 0.0 mm;
* exactly one mask empty: Dice and Jaccard return 0.0; distance metrics return
  ``inf`` (there is no surface to measure to). No metric raises on empty masks.

Taught in chapters 05 (image quality) and 06 (segmentation) of the book.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ._checks import as_mask, as_spacing, finite, positive, same_shape
from ._image_quality import cnr, entropy, mse, psnr, snr, ssim

__all__ = [
    "average_symmetric_surface_distance",
    "cnr",
    "dice_coefficient",
    "entropy",
    "hausdorff_distance",
    "hd95",
    "jaccard_index",
    "mse",
    "psnr",
    "snr",
    "ssim",
]


def _mask_pair(mask_true: object, mask_pred: object) -> tuple[np.ndarray, np.ndarray]:
    a = as_mask(mask_true, "mask_true", ndim=(2, 3))
    b = as_mask(mask_pred, "mask_pred", ndim=(2, 3))
    same_shape(a, b, "mask_true", "mask_pred")
    return a, b


def dice_coefficient(
    mask_true: np.ndarray, mask_pred: np.ndarray, *, empty_score: float = 1.0
) -> float:
    """Dice similarity coefficient of two binary masks.

    Parameters
    ----------
    mask_true, mask_pred : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and predicted masks (bool, or 0/1 numbers), same shape.
    empty_score : float, optional
        Value returned when both masks are empty (default 1.0).

    Returns
    -------
    float
        Dice in [0, 1]; 0.0 when exactly one mask is empty.

    Raises
    ------
    ValueError
        If a mask is not 2D/3D, not binary, or the shapes differ.

    Notes
    -----
    :math:`D = 2|A \\cap B| / (|A| + |B|)`; related to Jaccard by :math:`D = 2J/(1+J)`.

    Examples
    --------
    >>> a = np.zeros((4, 4), bool); a[:2] = True  # 8 pixels
    >>> b = np.zeros((4, 4), bool); b[1:3] = True  # 8 pixels, 4 shared
    >>> dice_coefficient(a, b)  # 2 * 4 / 16
    0.5
    """
    a, b = _mask_pair(mask_true, mask_pred)
    score = finite(empty_score, "empty_score")
    total = int(a.sum()) + int(b.sum())
    if total == 0:
        return score
    return 2.0 * int(np.logical_and(a, b).sum()) / total


def jaccard_index(
    mask_true: np.ndarray, mask_pred: np.ndarray, *, empty_score: float = 1.0
) -> float:
    """Jaccard index (intersection over union) of two binary masks.

    Parameters
    ----------
    mask_true, mask_pred : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and predicted masks (bool, or 0/1 numbers), same shape.
    empty_score : float, optional
        Value returned when both masks are empty (default 1.0, as for Dice).

    Returns
    -------
    float
        IoU in [0, 1]; 0.0 when exactly one mask is empty.

    Raises
    ------
    ValueError
        If a mask is not 2D/3D, not binary, or the shapes differ.

    Notes
    -----
    :math:`J = |A \\cap B| / |A \\cup B|`.

    Examples
    --------
    >>> a = np.zeros((4, 4), bool); a[:2] = True
    >>> b = np.zeros((4, 4), bool); b[1:3] = True
    >>> jaccard_index(a, b)  # 4 shared / 12 in the union
    0.333...
    """
    a, b = _mask_pair(mask_true, mask_pred)
    score = finite(empty_score, "empty_score")
    union = int(np.logical_or(a, b).sum())
    if union == 0:
        return score
    return int(np.logical_and(a, b).sum()) / union


def _surface(mask: np.ndarray) -> np.ndarray:
    """Boundary voxels: mask voxels with a face-neighbour outside the mask."""
    structure = ndimage.generate_binary_structure(mask.ndim, 1)
    eroded = ndimage.binary_erosion(mask, structure=structure, border_value=0)
    return mask & ~eroded


def _surface_distances(
    a: np.ndarray, b: np.ndarray, spacing: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Distances (mm) from each surface voxel of ``a`` to the surface of ``b``, and back."""
    surf_a, surf_b = _surface(a), _surface(b)
    dist_to_b = ndimage.distance_transform_edt(~surf_b, sampling=spacing)
    dist_to_a = ndimage.distance_transform_edt(~surf_a, sampling=spacing)
    return dist_to_b[surf_a], dist_to_a[surf_b]


def _distance_inputs(
    mask_true: object, mask_pred: object, spacing_mm: object
) -> tuple[np.ndarray, np.ndarray, tuple[float, ...], float | None]:
    """Checked masks and spacing, plus the answer for empty masks (None if both non-empty)."""
    a, b = _mask_pair(mask_true, mask_pred)
    spacing = as_spacing(spacing_mm, a.ndim, "spacing_mm")
    empty_a, empty_b = not a.any(), not b.any()
    if empty_a and empty_b:
        return a, b, spacing, 0.0
    if empty_a or empty_b:
        return a, b, spacing, float("inf")
    return a, b, spacing, None


def hausdorff_distance(
    mask_true: np.ndarray,
    mask_pred: np.ndarray,
    *,
    spacing_mm: float | tuple[float, ...] | None = None,
    percentile: float = 100.0,
) -> float:
    """Symmetric (percentile) Hausdorff distance between mask surfaces, in mm.

    Parameters
    ----------
    mask_true, mask_pred : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and predicted masks, same shape.
    spacing_mm : float or tuple of float, optional
        Voxel size per axis in mm (axis order of the arrays); default 1 for every axis.
    percentile : float, optional
        100 gives the classical (maximum) Hausdorff distance; 95 gives HD95.

    Returns
    -------
    float
        Distance in mm. 0.0 if both masks are empty, ``inf`` if exactly one is.

    Raises
    ------
    ValueError
        If a mask is not 2D/3D or not binary, the shapes differ, the spacing is not
        positive with one value per axis, or ``percentile`` is outside [0, 100].

    Notes
    -----
    Surfaces are the mask voxels with a face-neighbour outside the mask. For each
    surface voxel of one mask the Euclidean distance to the nearest surface voxel of the
    other is computed with ``scipy.ndimage.distance_transform_edt(sampling=spacing_mm)``.
    The result is :math:`\\max(P_q(d_{A\\to B}), P_q(d_{B\\to A}))` where :math:`P_q` is the
    q-th percentile (linear interpolation), as in MONAI.

    Examples
    --------
    >>> a = np.zeros((10, 10), bool); a[2:6, 2:6] = True
    >>> b = np.roll(a, 2, axis=1)  # shifted by 2 columns of 3 mm
    >>> hausdorff_distance(a, b, spacing_mm=(1.0, 3.0))
    6.0
    """
    a, b, spacing, empty = _distance_inputs(mask_true, mask_pred, spacing_mm)
    q = positive(percentile, "percentile", allow_zero=True)
    if q > 100:
        raise ValueError(f"percentile must lie in [0, 100], got {percentile!r}")
    if empty is not None:
        return empty
    d_ab, d_ba = _surface_distances(a, b, spacing)
    return float(max(np.percentile(d_ab, q), np.percentile(d_ba, q)))


def hd95(
    mask_true: np.ndarray,
    mask_pred: np.ndarray,
    *,
    spacing_mm: float | tuple[float, ...] | None = None,
) -> float:
    """95th-percentile Hausdorff distance (mm): robust to a few outlying surface voxels.

    Same as ``hausdorff_distance(..., percentile=95)``; see :func:`hausdorff_distance`
    for how surfaces and distances are defined.

    Parameters
    ----------
    mask_true, mask_pred : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and predicted masks (bool, or 0/1 numbers), same shape.
    spacing_mm : float or tuple of float, optional
        Voxel size per axis in mm (axis order of the arrays); default 1 for every axis.

    Returns
    -------
    float
        Distance in mm. 0.0 if both masks are empty, ``inf`` if exactly one is.

    Raises
    ------
    TypeError
        If a mask is None or has a non-numeric dtype.
    ValueError
        If a mask is not 2D/3D, empty or not binary, the shapes differ, or the spacing
        is not positive and finite with one value per axis.

    Examples
    --------
    >>> a = np.zeros((20, 20), bool); a[5:15, 5:15] = True
    >>> b = a.copy(); b[0, 0] = True  # one far-away false-positive pixel
    >>> round(hausdorff_distance(a, b), 2), hd95(a, b)
    (7.07, 0.0)
    """
    return hausdorff_distance(mask_true, mask_pred, spacing_mm=spacing_mm, percentile=95.0)


def average_symmetric_surface_distance(
    mask_true: np.ndarray,
    mask_pred: np.ndarray,
    *,
    spacing_mm: float | tuple[float, ...] | None = None,
) -> float:
    """Average symmetric surface distance (ASSD) between mask surfaces, in mm.

    Parameters
    ----------
    mask_true, mask_pred : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and predicted masks, same shape.
    spacing_mm : float or tuple of float, optional
        Voxel size per axis in mm; default 1 for every axis.

    Returns
    -------
    float
        Distance in mm. 0.0 if both masks are empty, ``inf`` if exactly one is.

    Raises
    ------
    ValueError
        If a mask is not 2D/3D or not binary, the shapes differ, or the spacing is
        not positive with one value per axis.

    Notes
    -----
    :math:`\\mathrm{ASSD} = (\\sum_{a \\in S_A} d(a, S_B) + \\sum_{b \\in S_B} d(b, S_A))
    / (|S_A| + |S_B|)` with surfaces :math:`S` defined as in :func:`hausdorff_distance`.

    Examples
    --------
    >>> a = np.zeros((10, 10), bool); a[2:6, 2:6] = True
    >>> b = np.zeros((10, 10), bool); b[2:6, 2:7] = True  # one column wider
    >>> # 12 + 14 surface pixels; 2 of a's and 4 of b's lie 1 mm from the other surface
    >>> average_symmetric_surface_distance(a, b)  # 6 / 26
    0.2307...
    """
    a, b, spacing, empty = _distance_inputs(mask_true, mask_pred, spacing_mm)
    if empty is not None:
        return empty
    d_ab, d_ba = _surface_distances(a, b, spacing)
    return float((d_ab.sum() + d_ba.sum()) / (d_ab.size + d_ba.size))

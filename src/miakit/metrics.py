"""Metrics for segmentations (overlap, surface distance) and for image quality.

Segmentation metrics compare a reference mask ``mask_true`` with a prediction
``mask_pred`` (2D or 3D, same shape). Distances are measured between the *surfaces*
of the masks (their boundary voxels) in millimetres, honouring anisotropic voxel
spacing; they are implemented in the private module ``miakit._surface`` (which crops
both masks to their joint bounding box before the distance transforms) and re-exported
here. Image-quality metrics compare a reference image ``image_true`` with a test
image ``image_test`` (MSE, PSNR, SSIM) or summarise one image (SNR, CNR, entropy);
they are implemented in the private module ``miakit._image_quality`` and re-exported
here, their public home.

Empty masks, one convention for every metric in this module:

* both masks empty: Dice and Jaccard return ``empty_score`` (default 1.0, "nothing to
  find and nothing found"); distance metrics return 0.0 mm;
* exactly one mask empty: Dice and Jaccard return 0.0; distance metrics return
  ``inf`` (there is no surface to measure to). No metric raises on empty masks.
* surface Dice follows Dice (1.0 both empty, 0.0 one empty); the relative volume
  difference needs a non-empty ``mask_true`` (it divides by its volume).

Taught in chapters 05 (image quality) and 06 (segmentation) of the book.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np

from ._checks import as_array, as_mask, choice, finite, same_shape
from ._image_quality import cnr, entropy, mse, psnr, snr, ssim
from ._surface import (
    average_symmetric_surface_distance,
    hausdorff_distance,
    hd95,
    surface_dice,
)
from ._surface import mask_pair as _mask_pair

__all__ = [
    "ThresholdDice",
    "average_symmetric_surface_distance",
    "best_threshold_dice",
    "cnr",
    "dice_coefficient",
    "dice_per_label",
    "entropy",
    "hausdorff_distance",
    "hd95",
    "jaccard_index",
    "mse",
    "psnr",
    "relative_volume_difference",
    "snr",
    "ssim",
    "surface_dice",
]


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


def dice_per_label(
    labels_true: np.ndarray,
    labels_pred: np.ndarray,
    *,
    labels: Sequence[int] | None = None,
    empty_score: float = 1.0,
) -> dict[int, float]:
    """Dice of each label of two label maps (one binary Dice per label value).

    Parameters
    ----------
    labels_true, labels_pred : ndarray of int, shape (Y, X) or (Z, Y, X)
        Reference and predicted label maps, same shape.
    labels : sequence of int, optional
        Label values to score. Default: every value present in ``labels_true`` except 0
        (background).
    empty_score : float, optional
        Dice when a label is absent from both maps (default 1.0, as
        :func:`dice_coefficient`).

    Returns
    -------
    dict of int to float
        ``{label: Dice}`` in the order of ``labels``.

    Raises
    ------
    TypeError
        If a label map is not an integer or boolean array.
    ValueError
        If a label map is not 2D/3D or the shapes differ.

    Examples
    --------
    >>> truth = np.array([[1, 1, 2, 2], [1, 1, 2, 2]])
    >>> pred = np.array([[1, 1, 1, 2], [1, 1, 2, 2]])
    >>> {k: round(v, 3) for k, v in dice_per_label(truth, pred).items()}
    {1: 0.889, 2: 0.857}
    """
    a = as_array(labels_true, "labels_true", ndim=(2, 3), kind="biu")
    b = as_array(labels_pred, "labels_pred", ndim=(2, 3), kind="biu")
    same_shape(a, b, "labels_true", "labels_pred")
    if labels is None:
        labels = [int(v) for v in np.unique(a) if v != 0]
    return {int(k): dice_coefficient(a == k, b == k, empty_score=empty_score) for k in labels}


class ThresholdDice(NamedTuple):
    """Result of :func:`best_threshold_dice`."""

    dice: float
    threshold: float
    direction: Literal["above", "below"]


def best_threshold_dice(
    image: np.ndarray,
    mask_true: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    direction: Literal["above", "below", "both"] = "both",
) -> ThresholdDice:
    """The highest Dice any single threshold reaches (an "oracle" threshold).

    The threshold is chosen *using the truth*, so the result is an upper bound for every
    method that thresholds this image, never a fair score of one.

    Parameters
    ----------
    image : ndarray
        Grey values (any shape, for example already restricted to the brain).
    mask_true : ndarray of bool, same shape as ``image``
        The true mask.
    mask : ndarray of bool, same shape as ``image``, optional
        Region searched and scored (outside it the prediction is empty and the truth is
        ignored). Default: everywhere.
    direction : {"above", "below", "both"}, default "both"
        Predict ``image >= threshold`` (bright object), ``image <= threshold`` (dark
        object), or try both.

    Returns
    -------
    ThresholdDice
        ``(dice, threshold, direction)``; the prediction is ``image >= threshold`` for
        "above" and ``image <= threshold`` for "below". Dice is 0.0 (threshold NaN) if
        ``mask_true`` is empty inside ``mask``.

    Raises
    ------
    ValueError
        If the shapes differ, a mask is not binary, ``mask`` is empty, ``image`` is not
        finite, or ``direction`` is not one of the three choices.

    Notes
    -----
    Exact and fast: the values are sorted once, and the Dice of every cut between two
    distinct values comes from a cumulative sum of the truth, :math:`D_k = 2 h_k /
    (|T| + k)` with :math:`h_k` true voxels among the :math:`k` brightest.

    Examples
    --------
    >>> image = np.array([0.1, 0.2, 0.8, 0.9, 0.3])
    >>> truth = np.array([False, True, True, True, False])
    >>> best_threshold_dice(image, truth)  # >= 0.2 takes 3 true and 1 false: 2*3/(3+4)
    ThresholdDice(dice=0.857..., threshold=0.2, direction='above')
    """
    values = as_array(image, "image", kind="buif").astype(np.float64, copy=False)
    if not np.all(np.isfinite(values)):
        raise ValueError("image must contain only finite values, found NaN or inf")
    truth = as_mask(mask_true, "mask_true")
    same_shape(values, truth, "image", "mask_true")
    choice(direction, "direction", ("above", "below", "both"))
    if mask is not None:
        region = as_mask(mask, "mask")
        same_shape(values, region, "image", "mask")
        if not region.any():
            raise ValueError("mask must contain at least one True voxel, got an empty mask")
        values, truth = values[region], truth[region]
    values, truth = values.ravel(), truth.ravel()
    n_true = int(truth.sum())
    if n_true == 0:
        return ThresholdDice(0.0, float("nan"), "above")
    best = ThresholdDice(-1.0, float("nan"), "above")
    sides: tuple[Literal["above", "below"], ...] = (
        ("above", "below") if direction == "both" else (direction,)  # type: ignore[assignment]
    )
    for side in sides:
        order = np.argsort(-values if side == "above" else values, kind="stable")
        ranked = values[order]
        hits = np.cumsum(truth[order])
        # Only cuts between distinct values can be made by a threshold
        cut = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))
        dice = 2.0 * hits[cut] / (n_true + cut + 1)
        k = int(np.argmax(dice))
        if dice[k] > best.dice:
            best = ThresholdDice(float(dice[k]), float(ranked[cut[k]]), side)
    return best


def relative_volume_difference(mask_true: np.ndarray, mask_pred: np.ndarray) -> float:
    """Signed relative volume difference ``(|pred| - |true|) / |true|``.

    Parameters
    ----------
    mask_true, mask_pred : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and predicted masks, same shape; ``mask_true`` must not be empty.

    Returns
    -------
    float
        0 for equal volumes, > 0 for over-segmentation (e.g. 0.1 = 10 % too large).

    Raises
    ------
    ValueError
        If a mask is not 2D/3D or not binary, the shapes differ, or ``mask_true`` is
        empty.

    Notes
    -----
    Volume agreement says nothing about *where* the voxels are: a mask shifted off the
    structure has a relative volume difference of 0 and a Dice of 0. Report it next to
    an overlap and a distance metric, for volumetry (lesion load, atrophy).

    Examples
    --------
    >>> a = np.zeros((4, 4), bool); a[:2] = True  # 8 pixels
    >>> relative_volume_difference(a, np.roll(a, 2, axis=0))  # disjoint, same size
    0.0
    >>> b = a.copy(); b[2, :2] = True  # 10 pixels
    >>> relative_volume_difference(a, b)
    0.25
    """
    a, b = _mask_pair(mask_true, mask_pred)
    n_true = int(a.sum())
    if n_true == 0:
        raise ValueError("mask_true must not be empty (the volume difference divides by it)")
    return (int(b.sum()) - n_true) / n_true

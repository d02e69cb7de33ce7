"""Classical segmentation helpers used in chapter 06 (Segmentation).

Thin, checked wrappers around scikit-image and SciPy: thresholding tissues with
multi-Otsu inside a mask, region growing from a seed, keeping the largest connected
component, morphological clean-up of a binary mask, and a simple homomorphic
(large-Gaussian) correction of a smooth multiplicative intensity bias.
The chapter notebooks teach *why* each step works; these functions only make the
steps repeatable with clear errors.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from skimage import filters, measure, morphology, segmentation

from ._checks import as_image, as_mask, at_most, flag, positive, positive_int, same_shape

__all__ = [
    "clean_mask",
    "homomorphic_bias_correction",
    "largest_component",
    "multi_otsu_tissues",
    "region_grow",
]


def multi_otsu_tissues(
    image: np.ndarray, *, mask: np.ndarray | None = None, classes: int = 3
) -> np.ndarray:
    """Label an image into ``classes`` intensity classes with multi-Otsu thresholds.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Grey values (any unit); must be finite.
    mask : ndarray of bool, same shape as ``image``, optional
        Region in which the thresholds are computed and labels assigned (for example
        the brain mask). Everything outside gets label 0. Default: the whole image.
    classes : int, default 3
        Number of classes (2 to 5), for example CSF, grey and white matter on T1w.
        The threshold search is exhaustive over 256 histogram bins, so its work grows
        like ``256 ** (classes - 1)``: 5 classes take seconds, 6 would take minutes.

    Returns
    -------
    ndarray of uint8, same shape as ``image``
        0 outside ``mask``; 1..``classes`` inside, ordered by increasing intensity.

    Raises
    ------
    ValueError
        If ``image`` is not 2D/3D or not finite, ``mask`` has another shape or is not
        binary, ``classes`` is not in 2..5, or the mask holds fewer distinct values than
        classes.
    TypeError
        If ``classes`` is not an integer.

    Notes
    -----
    Multi-Otsu [1]_ picks the thresholds that maximise the between-class variance of
    the histogram; it is global, so a smooth bias field that shifts the intensities of
    one tissue across the image breaks it.

    References
    ----------
    .. [1] N. Otsu, "A threshold selection method from gray-level histograms",
       IEEE Trans. Syst. Man Cybern. 9(1):62-66, 1979. doi:10.1109/TSMC.1979.4310076

    Examples
    --------
    >>> image = np.array([[0.0, 0.0, 1.0], [1.0, 2.0, 2.0]])
    >>> multi_otsu_tissues(image, classes=3)
    array([[1, 1, 2],
           [2, 3, 3]], dtype=uint8)
    """
    image = as_image(image, "image")
    classes = positive_int(classes, "classes", minimum=2)
    if classes > 5:
        raise ValueError(f"classes must be <= 5 (the search grows as 256**(classes-1)), got {classes}")  # fmt: skip
    if mask is None:
        mask = np.ones(image.shape, dtype=bool)
    mask = as_mask(mask, "mask")
    same_shape(image, mask, "image", "mask")
    values = image[mask]
    n_distinct = np.unique(values).size
    if n_distinct < classes:
        raise ValueError(
            f"image values inside mask must take at least classes={classes} distinct values, "
            f"got {n_distinct}"
        )
    thresholds = filters.threshold_multiotsu(values, classes=classes)
    labels = np.zeros(image.shape, dtype=np.uint8)
    labels[mask] = (np.digitize(values, thresholds) + 1).astype(np.uint8)
    return labels


def region_grow(
    image: np.ndarray,
    *,
    seed_index: tuple[int, ...],
    tolerance: float,
    connectivity: int = 1,
) -> np.ndarray:
    """Grow a region from a seed pixel over connected pixels within ``tolerance`` of it.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Grey values; must be finite.
    seed_index : tuple of int
        Array index of the seed pixel (row, column[, ...]; not mm), one entry per axis
        of ``image``, for example a reader's click.
    tolerance : float
        Pixels with ``|image - image[seed_index]| <= tolerance`` that connect to the
        seed join the region (same units as ``image``); must be >= 0.
    connectivity : int, default 1
        1 = faces only (4-/6-neighbourhood), up to ``image.ndim`` (8-/26-neighbourhood).

    Returns
    -------
    ndarray of bool, same shape as ``image``

    Raises
    ------
    ValueError
        If ``seed_index`` has the wrong length or lies outside the image, ``tolerance``
        is negative, or ``connectivity`` is not in 1..``image.ndim``.

    Notes
    -----
    This calls :func:`skimage.segmentation.flood`. The region is connected by
    construction; a tolerance too large "leaks" through any bridge of similar grey
    values, one too small stops at noise.

    Examples
    --------
    >>> image = np.array([[1.0, 1.1, 5.0], [1.2, 5.0, 5.0], [5.0, 5.0, 1.0]])
    >>> region_grow(image, seed_index=(0, 0), tolerance=0.5).astype(int)
    array([[1, 1, 0],
           [1, 0, 0],
           [0, 0, 0]])
    """
    image = as_image(image, "image")
    tolerance = positive(tolerance, "tolerance", allow_zero=True)
    index = tuple(int(s) for s in seed_index)
    if len(index) != image.ndim:
        raise ValueError(
            f"seed_index must have {image.ndim} indices (one per axis of image), got {len(index)}"
        )
    if any(not 0 <= s < n for s, n in zip(index, image.shape, strict=True)):
        raise ValueError(f"seed_index must lie inside image of shape {image.shape}, got {index}")
    connectivity = positive_int(connectivity, "connectivity")
    if connectivity > image.ndim:
        raise ValueError(f"connectivity must be in 1..{image.ndim}, got {connectivity}")
    return segmentation.flood(image, index, tolerance=tolerance, connectivity=connectivity)


def largest_component(mask: np.ndarray, *, connectivity: int = 1) -> np.ndarray:
    """Keep only the largest connected component of a binary mask.

    Parameters
    ----------
    mask : ndarray of bool, shape (Y, X) or (Z, Y, X)
        Binary mask (bool, or 0/1 numbers).
    connectivity : int, default 1
        Neighbourhood as in :func:`skimage.measure.label` (1 .. ``mask.ndim``).

    Returns
    -------
    ndarray of bool, same shape as ``mask``
        The largest component; an all-False mask if ``mask`` is empty.

    Raises
    ------
    ValueError
        If ``mask`` is not binary or not 2D/3D, or ``connectivity`` is out of range.

    Examples
    --------
    >>> mask = np.array([[1, 1, 0, 0], [1, 0, 0, 1], [0, 0, 0, 1]])
    >>> largest_component(mask).astype(int)
    array([[1, 1, 0, 0],
           [1, 0, 0, 0],
           [0, 0, 0, 0]])
    """
    mask = as_mask(mask, "mask", ndim=(2, 3))
    connectivity = positive_int(connectivity, "connectivity")
    if connectivity > mask.ndim:
        raise ValueError(f"connectivity must be in 1..{mask.ndim}, got {connectivity}")
    labels = measure.label(mask, connectivity=connectivity)
    if labels.max() == 0:
        return np.zeros(mask.shape, dtype=bool)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def clean_mask(
    mask: np.ndarray,
    *,
    opening_radius: int = 1,
    fill_holes: bool = True,
    keep_largest: bool = True,
) -> np.ndarray:
    """Morphological post-processing: opening, hole filling, largest component.

    Parameters
    ----------
    mask : ndarray of bool, shape (Y, X) or (Z, Y, X)
        Raw binary segmentation.
    opening_radius : int, default 1
        Radius in pixels of the disk/ball used for the binary opening (removes specks
        and thin bridges narrower than the element); 0 skips the opening.
    fill_holes : bool, default True
        Fill enclosed holes (:func:`scipy.ndimage.binary_fill_holes`).
    keep_largest : bool, default True
        Keep only the largest connected component (face connectivity).

    Returns
    -------
    ndarray of bool, same shape as ``mask``

    Raises
    ------
    ValueError
        If ``mask`` is not binary or not 2D/3D, or ``opening_radius`` is negative.

    Notes
    -----
    The order matters: opening first removes noise specks and cuts thin leaks, filling
    then closes holes left by noise inside the object, and the component step drops
    whatever false positives survive far from the object.

    Examples
    --------
    >>> mask = np.zeros((7, 7), dtype=bool)
    >>> mask[1:6, 1:6] = True
    >>> mask[3, 3] = False  # a hole
    >>> mask[0, 6] = True  # a speck
    >>> int(clean_mask(mask, opening_radius=0).sum())
    25
    """
    mask = as_mask(mask, "mask", ndim=(2, 3))
    radius = positive_int(opening_radius, "opening_radius", minimum=0)
    at_most(radius, "opening_radius", max(mask.shape), "a disk wider than the mask erases it")
    fill_holes, keep_largest = flag(fill_holes, "fill_holes"), flag(keep_largest, "keep_largest")
    out = mask.copy()
    if radius > 0:
        footprint = morphology.disk(radius) if mask.ndim == 2 else morphology.ball(radius)
        out = ndi.binary_opening(out, structure=footprint)
    if fill_holes:
        out = ndi.binary_fill_holes(out)
    if keep_largest:
        out = largest_component(out)
    return out


def homomorphic_bias_correction(
    image: np.ndarray, *, sigma_px: float, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Remove a smooth multiplicative bias by dividing by a masked large-scale Gaussian.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Non-negative intensities (e.g. an MR magnitude image) with a slowly varying gain.
    sigma_px : float
        Standard deviation in pixels of the Gaussian that estimates the field; it must be
        much larger than the anatomy (a few times the cortex thickness) but smaller than
        the scale on which the bias varies.
    mask : ndarray of bool, same shape as ``image``, optional
        Region used to estimate the field (e.g. the head or brain); outside it the
        corrected image is 0. Default: the whole image.

    Returns
    -------
    corrected : ndarray of float64, same shape as ``image``
        ``image / field`` inside ``mask`` (0 outside); the field is normalised to mean 1
        inside the mask so intensities keep their scale.
    field : ndarray of float64, same shape as ``image``
        The estimated multiplicative field (1 outside ``mask``).

    Raises
    ------
    ValueError
        If ``image`` is not finite or has negative values, ``sigma_px`` <= 0, ``mask``
        has another shape, is not binary or is empty.

    Notes
    -----
    With ``I = B * T`` (true tissue signal ``T``, smooth gain ``B``), a normalised
    convolution ``G*(I m) / G*(m)`` approximates ``B`` times the local mean tissue
    signal. Dividing by it flattens the gain; it also slightly flattens real, large-scale
    tissue differences, which is why N4 [1]_ fits a smooth B-spline field that
    sharpens the intensity histogram instead. Homomorphic filtering is the simple
    baseline.

    References
    ----------
    .. [1] N. J. Tustison et al., "N4ITK: Improved N3 bias correction", IEEE Trans.
       Med. Imaging 29(6):1310-1320, 2010. doi:10.1109/TMI.2010.2046908

    Examples
    --------
    >>> yy, xx = np.mgrid[0:32, 0:32]
    >>> flat = np.full((32, 32), 100.0)
    >>> biased = flat * (1 + 0.4 * (xx - 15.5) / 15.5)
    >>> corrected, field = homomorphic_bias_correction(biased, sigma_px=4)
    >>> bool(corrected[:, 4:28].std() < 0.3 * biased[:, 4:28].std())
    True
    """
    image = as_image(image, "image")
    if np.any(image < 0):
        raise ValueError(f"image must be non-negative, got minimum {image.min():.3g}")
    sigma = positive(sigma_px, "sigma_px")
    at_most(sigma, "sigma_px", 4 * max(image.shape), "a blur wider than the image is flat")
    if mask is None:
        mask = np.ones(image.shape, dtype=bool)
    mask = as_mask(mask, "mask")
    same_shape(image, mask, "image", "mask")
    if not mask.any():
        raise ValueError("mask must contain at least one True pixel, got an empty mask")
    weight = ndi.gaussian_filter(mask.astype(np.float64), sigma, mode="constant")
    smoothed = ndi.gaussian_filter(image * mask, sigma, mode="constant")
    field = np.ones_like(image)
    inside = mask & (weight > 1e-6)
    field[inside] = smoothed[inside] / weight[inside]
    positive_field = field[inside] > 0
    if not positive_field.all():
        field[inside] = np.where(positive_field, field[inside], 1.0)
    field[inside] /= field[inside].mean()
    corrected = np.zeros_like(image)
    corrected[inside] = image[inside] / field[inside]
    return corrected, field

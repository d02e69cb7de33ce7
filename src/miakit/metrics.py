"""Metrics for segmentations (overlap, surface distance) and for image quality.

Segmentation metrics compare a reference mask ``mask_true`` with a prediction
``mask_pred`` (2D or 3D, same shape). Distances are measured between the *surfaces*
of the masks (their boundary voxels) in millimetres, honouring anisotropic voxel
spacing. Image-quality metrics compare a reference image ``image_true`` with a test
image ``image_test`` (MSE, PSNR, SSIM) or summarise one image (SNR, CNR, entropy).

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

from ._checks import as_array, as_image, as_mask, as_spacing, positive, positive_int, same_shape

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


def _empty_score(value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"empty_score must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise ValueError(f"empty_score must be finite, got {value!r}")
    return number


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
    score = _empty_score(empty_score)
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
    score = _empty_score(empty_score)
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

    Same as ``hausdorff_distance(..., percentile=95)``; see there for parameters,
    empty-mask behaviour and errors.

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


def _image_pair(image_true: object, image_test: object) -> tuple[np.ndarray, np.ndarray]:
    a = as_image(image_true, "image_true")
    b = as_image(image_test, "image_test")
    same_shape(a, b, "image_true", "image_test")
    return a, b


def mse(image_true: np.ndarray, image_test: np.ndarray) -> float:
    """Mean squared error between two images (units: intensity squared).

    Parameters
    ----------
    image_true, image_test : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and test images, same shape, finite values.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If an image is not 2D/3D, contains NaN/inf, or the shapes differ.

    Notes
    -----
    :math:`\\mathrm{MSE} = \\frac{1}{N}\\sum_i (x_i - y_i)^2`, via
    ``skimage.metrics.mean_squared_error``.

    Examples
    --------
    >>> mse(np.zeros((2, 2)), np.array([[0.0, 2.0], [0.0, 0.0]]))
    1.0
    """
    from skimage.metrics import mean_squared_error

    a, b = _image_pair(image_true, image_test)
    return float(mean_squared_error(a, b))


def psnr(image_true: np.ndarray, image_test: np.ndarray, *, data_range: float) -> float:
    """Peak signal-to-noise ratio in dB.

    Parameters
    ----------
    image_true, image_test : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and test images, same shape.
    data_range : float
        Span of possible intensities (e.g. 1.0 for images in [0, 1], 4095 for 12-bit
        CT); required because float images carry no natural range.

    Returns
    -------
    float
        PSNR in dB (``inf`` if the images are identical).

    Raises
    ------
    ValueError
        If an image is not 2D/3D or has NaN/inf, the shapes differ, or
        ``data_range`` is not positive.

    Notes
    -----
    :math:`\\mathrm{PSNR} = 10 \\log_{10}(R^2 / \\mathrm{MSE})`, via
    ``skimage.metrics.peak_signal_noise_ratio``.

    Examples
    --------
    >>> psnr(np.zeros((2, 2)), np.full((2, 2), 0.1), data_range=1.0)  # MSE 0.01
    20.0
    """
    from skimage.metrics import peak_signal_noise_ratio

    a, b = _image_pair(image_true, image_test)
    r = positive(data_range, "data_range")
    if np.array_equal(a, b):
        return float("inf")
    return float(peak_signal_noise_ratio(a, b, data_range=r))


def ssim(
    image_true: np.ndarray,
    image_test: np.ndarray,
    *,
    data_range: float,
    return_map: bool = False,
) -> float | tuple[float, np.ndarray]:
    """Structural similarity index (mean SSIM over 7-pixel windows).

    Parameters
    ----------
    image_true, image_test : ndarray of shape (Y, X) or (Z, Y, X)
        Reference and test images, same shape, every side at least 7 voxels.
    data_range : float
        Span of possible intensities (sets the stabilising constants).
    return_map : bool, optional
        Also return the local SSIM map (same shape as the images).

    Returns
    -------
    float or (float, ndarray)
        Mean SSIM in [-1, 1] (1 for identical images), and the map if requested.

    Raises
    ------
    ValueError
        If an image is not 2D/3D or has NaN/inf, the shapes differ, a side is
        shorter than 7, or ``data_range`` is not positive.

    Notes
    -----
    SSIM multiplies local luminance, contrast and structure terms
    :math:`\\frac{(2\\mu_x\\mu_y + C_1)(2\\sigma_{xy} + C_2)}
    {(\\mu_x^2 + \\mu_y^2 + C_1)(\\sigma_x^2 + \\sigma_y^2 + C_2)}` (Wang et al. 2004),
    via ``skimage.metrics.structural_similarity``.

    Examples
    --------
    >>> x = np.linspace(0, 1, 64).reshape(8, 8)
    >>> ssim(x, x, data_range=1.0)
    1.0
    """
    from skimage.metrics import structural_similarity

    a, b = _image_pair(image_true, image_test)
    r = positive(data_range, "data_range")
    if min(a.shape) < 7:
        raise ValueError(f"image_true must be at least 7 voxels along every axis, got {a.shape}")
    value, ssim_map = structural_similarity(a, b, data_range=r, full=True)
    if return_map:
        return float(value), ssim_map
    return float(value)


def _region(image: np.ndarray, mask: object, name: str, minimum: int) -> np.ndarray:
    m = as_mask(mask, name)
    same_shape(image, m, "image", name)
    count = int(m.sum())
    if count < minimum:
        raise ValueError(f"{name} must contain at least {minimum} voxels, got {count}")
    return image[m]


def snr(image: np.ndarray, *, signal_mask: np.ndarray, background_mask: np.ndarray) -> float:
    """Signal-to-noise ratio: mean in a signal region over noise std in a background region.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        The image.
    signal_mask, background_mask : ndarray of bool, same shape as ``image``
        The signal region (>= 1 voxel) and a uniform, signal-free region (>= 2 voxels).

    Returns
    -------
    float
        Dimensionless SNR (``inf`` if the background has zero spread).

    Raises
    ------
    ValueError
        If shapes differ, a mask is not binary, or a region is too small.

    Notes
    -----
    :math:`\\mathrm{SNR} = \\bar{S} / \\sigma_{bg}` with the sample standard deviation
    (``ddof=1``). Other conventions exist (e.g. std inside the signal region, or a
    Rayleigh correction of magnitude-MR background); always state which one you use.

    Examples
    --------
    >>> img = np.array([[10.0, 10.0], [1.0, -1.0]])
    >>> sig = np.array([[1, 1], [0, 0]]); bg = 1 - sig
    >>> round(snr(img, signal_mask=sig, background_mask=bg), 3)  # 10 / sqrt(2)
    7.071
    """
    x = as_image(image, "image")
    signal = _region(x, signal_mask, "signal_mask", 1)
    background = _region(x, background_mask, "background_mask", 2)
    sigma = float(np.std(background, ddof=1))
    mean = float(signal.mean())
    return float("inf") if sigma == 0 else mean / sigma


def cnr(
    image: np.ndarray,
    *,
    mask_a: np.ndarray,
    mask_b: np.ndarray,
    background_mask: np.ndarray,
) -> float:
    """Contrast-to-noise ratio between two regions, normalised by background noise.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        The image.
    mask_a, mask_b : ndarray of bool, same shape as ``image``
        The two regions to compare (e.g. lesion and surrounding tissue), >= 1 voxel each.
    background_mask : ndarray of bool, same shape as ``image``
        A uniform region used to estimate the noise (>= 2 voxels).

    Returns
    -------
    float
        Dimensionless CNR (``inf`` if the background has zero spread).

    Raises
    ------
    ValueError
        If shapes differ, a mask is not binary, or a region is too small.

    Notes
    -----
    :math:`\\mathrm{CNR} = |\\bar{A} - \\bar{B}| / \\sigma_{bg}` (sample std, ``ddof=1``).

    Examples
    --------
    >>> img = np.array([[5.0, 3.0], [1.0, -1.0]])
    >>> a = np.array([[1, 0], [0, 0]]); b = np.array([[0, 1], [0, 0]])
    >>> bg = np.array([[0, 0], [1, 1]])
    >>> round(cnr(img, mask_a=a, mask_b=b, background_mask=bg), 3)  # 2 / sqrt(2)
    1.414
    """
    x = as_image(image, "image")
    region_a = _region(x, mask_a, "mask_a", 1)
    region_b = _region(x, mask_b, "mask_b", 1)
    background = _region(x, background_mask, "background_mask", 2)
    sigma = float(np.std(background, ddof=1))
    contrast = abs(float(region_a.mean()) - float(region_b.mean()))
    return float("inf") if sigma == 0 else contrast / sigma


def entropy(
    image: np.ndarray,
    *,
    bins: int = 256,
    value_range: tuple[float, float] | None = None,
) -> float:
    """Shannon entropy of the grey-level histogram, in bits.

    Parameters
    ----------
    image : array_like of numbers, any shape
        The image (all voxels are pooled).
    bins : int, optional
        Number of histogram bins (default 256).
    value_range : (float, float), optional
        Histogram range; default the image's min and max. Fix it when comparing images.

    Returns
    -------
    float
        Entropy in bits, between 0 (constant image) and ``log2(bins)``.

    Raises
    ------
    ValueError
        If the image is empty or has NaN/inf, ``bins`` < 1, or ``value_range`` is not
        increasing.

    Notes
    -----
    :math:`H = -\\sum_k p_k \\log_2 p_k` over histogram bins with :math:`p_k > 0`. It
    measures how spread the grey levels are, not image quality: noise raises it.
    For an integer image whose values each get their own bin it equals
    ``skimage.measure.shannon_entropy``.

    Examples
    --------
    >>> entropy(np.array([0, 0, 1, 1]), bins=2)
    1.0
    """
    x = as_array(image, "image", kind="buif").astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("image must contain only finite values, found NaN or inf")
    n_bins = positive_int(bins, "bins")
    if value_range is None:
        lo, hi = float(x.min()), float(x.max())
    else:
        lo, hi = (float(v) for v in value_range)
        if not hi > lo:
            raise ValueError(f"value_range must be increasing (low, high), got {value_range!r}")
    if hi == lo:
        return 0.0
    counts, _ = np.histogram(x, bins=n_bins, range=(lo, hi))
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0

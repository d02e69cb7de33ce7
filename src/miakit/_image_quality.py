"""Image-quality metrics (private): MSE, PSNR, SSIM, SNR, CNR and entropy.

Public through :mod:`miakit.metrics`, which documents the conventions; import them from
there (``from miakit.metrics import psnr``). Full-reference metrics compare a reference
image ``image_true`` with a test image ``image_test`` (MSE, PSNR, SSIM); the others
summarise one image (SNR, CNR, entropy).

Taught in chapter 05 (image quality) of the book.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_image, as_mask, at_most, flag, positive, positive_int, same_shape

__all__ = ["cnr", "entropy", "mse", "psnr", "snr", "ssim"]


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
    >>> from miakit.metrics import mse
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
    >>> from miakit.metrics import psnr
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
    >>> from miakit.metrics import ssim
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
    if flag(return_map, "return_map"):
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
    >>> from miakit.metrics import snr
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
    >>> from miakit.metrics import cnr
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
        If the image is empty or has NaN/inf, ``bins`` < 1 or > 2**20, or
        ``value_range`` is not finite and increasing.

    Notes
    -----
    :math:`H = -\\sum_k p_k \\log_2 p_k` over histogram bins with :math:`p_k > 0`. It
    measures how spread the grey levels are, not image quality: noise raises it.
    For an integer image whose values each get their own bin it equals
    ``skimage.measure.shannon_entropy``.

    Examples
    --------
    >>> from miakit.metrics import entropy
    >>> entropy(np.array([0, 0, 1, 1]), bins=2)
    1.0
    """
    x = as_array(image, "image", kind="buif").astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("image must contain only finite values, found NaN or inf")
    n_bins = positive_int(bins, "bins")
    at_most(n_bins, "bins", 2**20, "a histogram finer than the data says nothing more")
    if value_range is None:
        lo, hi = float(x.min()), float(x.max())
    else:
        try:
            lo, hi = (float(v) for v in value_range)
        except (TypeError, ValueError):
            raise TypeError(
                f"value_range must be two numbers (low, high), got {value_range!r}"
            ) from None
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            raise ValueError(
                f"value_range must be increasing and finite (low, high), got {value_range!r}"
            )
    if hi == lo:
        return 0.0
    counts, _ = np.histogram(x, bins=n_bins, range=(lo, hi))
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0

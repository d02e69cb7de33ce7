"""Frequency-domain filters, edge detectors in millimetres, and edge-profile measurements.

Used by chapter 03 (filtering: ideal vs Butterworth filters, edge detectors on
anisotropic voxels, edge widths before and after filtering) and chapter 05 (image
quality: the edge spread function behind the MTF). Other spatial filters (mean, median,
bilateral, Frangi, ...) come straight from SciPy and scikit-image and are not wrapped.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._checks import as_array, as_image, as_spacing, choice, flag, positive, probability, shape_of

__all__ = [
    "edge_width",
    "frequency_filter",
    "frequency_response",
    "gradient_magnitude_mm",
    "laplacian_of_gaussian_mm",
    "sigma_in_pixels",
]


def frequency_response(
    shape: tuple[int, ...],
    *,
    cutoff: float,
    kind: Literal["ideal", "butterworth"] = "butterworth",
    high_pass: bool = False,
    order: float = 2.0,
) -> np.ndarray:
    """Transfer function of a radial low- or high-pass filter on the FFT grid.

    Parameters
    ----------
    shape : tuple of int
        Image shape (2D or 3D).
    cutoff : float
        Cut-off frequency in cycles per pixel, in (0, 0.5] (0.5 is the Nyquist limit).
    kind : {"ideal", "butterworth"}
        Ideal: gain 1 below the cut-off and 0 above (a sharp wall). Butterworth: a
        smooth roll-off whose steepness grows with ``order``.
    high_pass : bool
        Return ``1 - H_low`` instead of ``H_low``.
    order : float
        Butterworth order :math:`n` (> 0); ignored for the ideal filter.

    Returns
    -------
    ndarray of float64 with the given shape
        Gains in [0, 1], unshifted (zero frequency at index 0, as ``numpy.fft.fftn``).

    Raises
    ------
    ValueError
        If ``shape`` is not 2D/3D (at most 2**27 voxels) or ``cutoff``, ``order`` or
        ``kind`` are invalid.
    TypeError
        If ``shape`` does not hold integers or ``high_pass`` is not a bool.

    Notes
    -----
    With radial frequency :math:`f` (cycles/pixel) and cut-off :math:`f_c`:
    ideal :math:`H = [f \\le f_c]`; Butterworth
    :math:`H = 1 / (1 + (f / f_c)^{2n})`, the squared form used by
    ``skimage.filters.butterworth`` (gain 0.5 at the cut-off).

    Examples
    --------
    >>> h = frequency_response((8, 8), cutoff=0.25, kind="ideal")
    >>> h[0, :4].tolist()  # f = 0, 0.125, 0.25, 0.375 cycles/pixel
    [1.0, 1.0, 1.0, 0.0]
    >>> float(frequency_response((8, 8), cutoff=0.25)[0, 2])  # Butterworth at the cut-off
    0.5
    """
    dims = shape_of(shape, "shape")
    high_pass = flag(high_pass, "high_pass")
    fc = positive(cutoff, "cutoff")
    if fc > 0.5:
        raise ValueError(f"cutoff must lie in (0, 0.5] cycles/pixel, got {cutoff!r}")
    choice(kind, "kind", ("ideal", "butterworth"))
    n = positive(order, "order")
    grids = np.meshgrid(*(np.fft.fftfreq(d) for d in dims), indexing="ij", sparse=True)
    radius = np.sqrt(sum(g**2 for g in grids))
    if kind == "ideal":
        low = (radius <= fc + 1e-12).astype(np.float64)
    else:
        low = 1.0 / (1.0 + (radius / fc) ** (2 * n))
    return 1.0 - low if high_pass else low


def frequency_filter(
    image: np.ndarray,
    *,
    cutoff: float,
    kind: Literal["ideal", "butterworth"] = "butterworth",
    high_pass: bool = False,
    order: float = 2.0,
) -> np.ndarray:
    """Filter an image by multiplying its Fourier transform with a radial mask.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Real image.
    cutoff, kind, high_pass, order
        See :func:`frequency_response`.

    Returns
    -------
    ndarray of float64, same shape as ``image``

    Raises
    ------
    ValueError
        If the image is not 2D/3D or has NaN/inf, or a filter parameter is invalid.

    Notes
    -----
    :math:`g = \\mathcal{F}^{-1}[H \\cdot \\mathcal{F}[f]]`. The FFT treats the image
    as periodic, so strong differences between opposite borders can leak in; pad the
    image first if that matters. An ideal low-pass is a sinc in space: it rings
    (Gibbs overshoot) next to edges; the Butterworth filter rings much less.

    Examples
    --------
    >>> step = np.zeros((32, 32)); step[:, 8:24] = 1.0
    >>> ideal = frequency_filter(step, cutoff=0.1, kind="ideal")
    >>> smooth = frequency_filter(step, cutoff=0.1, kind="butterworth")
    >>> bool(ideal.max() > smooth.max() > 0.99)  # the ideal filter overshoots more
    True
    """
    array = as_image(image, "image")
    response = frequency_response(
        array.shape, cutoff=cutoff, kind=kind, high_pass=high_pass, order=order
    )
    return np.real(np.fft.ifftn(np.fft.fftn(array) * response))


def _plateau(values: np.ndarray) -> float:
    return float(np.median(values))


def edge_width(
    profile: np.ndarray,
    *,
    spacing_mm: float = 1.0,
    low: float = 0.1,
    high: float = 0.9,
    plateau_fraction: float = 0.2,
) -> float:
    """Distance over which a line profile across one edge rises from 10% to 90%.

    Parameters
    ----------
    profile : ndarray of shape (N,)
        Intensities sampled across a single edge (rising or falling), with flat-ish
        ends on both sides; N >= 5.
    spacing_mm : float
        Distance between samples in mm (> 0).
    low, high : float
        Fractions of the step defining the width (0 <= low < high <= 1).
    plateau_fraction : float
        Share of samples at each end whose median gives the level on that side
        (so that overshoot or noise does not move the reference levels).

    Returns
    -------
    float
        Width in mm, linearly interpolated between samples. A sharper edge gives a
        smaller width.

    Raises
    ------
    ValueError
        If the profile is not 1D with >= 5 finite samples, has no step between its
        two ends, or a parameter is out of range.

    Notes
    -----
    The profile is normalised to :math:`(p - p_{start}) / (p_{end} - p_{start})`, where
    the levels are the medians of the end plateaus. The width is
    :math:`x_{high} - x_{low}`, with :math:`x_{low}` the last crossing of ``low``
    before :math:`x_{high}`, the first crossing of ``high``. The same 10-90% rise
    distance of an edge spread function is a classical resolution measure.

    Examples
    --------
    >>> edge_width(np.array([0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5.0]))  # 0.5 -> 4.5
    4.0
    >>> edge_width(np.array([5, 5, 5, 5, 4, 3, 2, 1, 0, 0, 0, 0.0]), spacing_mm=0.5)
    2.0
    """
    p = as_array(profile, "profile", ndim=1, kind="buif").astype(np.float64)
    if p.size < 5:
        raise ValueError(f"profile must have at least 5 samples, got {p.size}")
    if not np.all(np.isfinite(p)):
        raise ValueError("profile must contain only finite values, found NaN or inf")
    step_mm = positive(spacing_mm, "spacing_mm")
    low, high = probability(low, "low"), probability(high, "high")
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"low and high must satisfy 0 <= low < high <= 1, got {low!r}, {high!r}")
    frac = positive(plateau_fraction, "plateau_fraction")
    if frac > 0.5:
        raise ValueError(f"plateau_fraction must lie in (0, 0.5], got {plateau_fraction!r}")
    k = max(1, int(round(frac * p.size)))
    start, end = _plateau(p[:k]), _plateau(p[-k:])
    if start == end:
        raise ValueError("profile has no step: the levels at its two ends are equal")
    norm = (p - start) / (end - start)
    above_high = np.flatnonzero(norm >= high)
    i_high = int(above_high[0])
    below_low = np.flatnonzero(norm[:i_high] <= low)
    if below_low.size == 0:
        raise ValueError("profile does not start below the low level; centre it on one edge")
    i_low = int(below_low[-1])

    def crossing(i: int, level: float) -> float:
        # linear interpolation between samples i and i + 1
        a, b = norm[i], norm[i + 1]
        return i + (level - a) / (b - a) if b != a else float(i)

    x_high = crossing(i_high - 1, high) if i_high > 0 else 0.0
    x_low = crossing(i_low, low)
    return float((x_high - x_low) * step_mm)


def sigma_in_pixels(
    sigma_mm: float | tuple[float, ...], spacing_mm: float | tuple[float, ...], ndim: int
) -> tuple[float, ...]:
    """Convert a kernel width in millimetres to pixels, axis by axis.

    Parameters
    ----------
    sigma_mm : float or tuple of float
        Standard deviation in mm (>= 0), one value for all axes or one per axis.
    spacing_mm : float or tuple of float
        Pixel spacing in mm (> 0), in array axis order (e.g. (row, column) = (dy, dx)).
    ndim : int
        Number of image axes (2 or 3).

    Returns
    -------
    tuple of float
        ``sigma_mm[i] / spacing_mm[i]`` for every axis.

    Raises
    ------
    ValueError
        If a tuple has the wrong length, a spacing is not positive, a sigma is negative,
        or ``ndim`` is not 2 or 3.

    Examples
    --------
    >>> sigma_in_pixels(1.0, (2.0, 0.5), ndim=2)  # 1 mm is half a row, two columns
    (0.5, 2.0)
    """
    if ndim not in (2, 3):
        raise ValueError(f"ndim must be 2 or 3, got {ndim!r}")
    spacing = as_spacing(spacing_mm, ndim, "spacing_mm")
    if np.isscalar(sigma_mm):
        sigmas: tuple[float, ...] = (float(sigma_mm),) * ndim  # type: ignore[arg-type]
    else:
        sigmas = tuple(float(s) for s in sigma_mm)  # type: ignore[union-attr]
    if len(sigmas) != ndim:
        raise ValueError(f"sigma_mm must have {ndim} values (one per axis), got {len(sigmas)}")
    if not all(np.isfinite(v) and v >= 0 for v in sigmas):
        raise ValueError(f"sigma_mm must be finite and >= 0, got {sigmas}")
    return tuple(s / d for s, d in zip(sigmas, spacing, strict=True))


def gradient_magnitude_mm(
    image: np.ndarray,
    *,
    spacing_mm: float | tuple[float, ...],
    sigma_mm: float | tuple[float, ...] | None = None,
) -> np.ndarray:
    """Gradient magnitude in intensity units per millimetre (Sobel or Gaussian derivative).

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Grey image.
    spacing_mm : float or tuple of float
        Pixel spacing in mm, in array axis order.
    sigma_mm : float or tuple of float or None
        ``None``: Sobel derivatives (3-pixel kernels). Otherwise the standard deviation,
        in mm, of a Gaussian derivative filter (the kernel is the same physical size
        along every axis, whatever the spacing). Sampled Gaussian derivatives are
        accurate for sigmas of about one pixel or more along every axis.

    Returns
    -------
    ndarray of float64, same shape as ``image``
        :math:`\\sqrt{\\sum_i (\\partial I / \\partial x_i)^2}` with :math:`x_i` in mm.

    Raises
    ------
    ValueError
        If the image is not 2D/3D or not finite, or ``spacing_mm``/``sigma_mm`` are invalid.

    Notes
    -----
    A derivative in pixel units is :math:`\\Delta_i \\, \\partial I / \\partial x_i`:
    on anisotropic voxels it weights the coarse axis by its larger spacing, so the same
    physical edge looks stronger across thick slices than across fine pixels, and
    thresholds (Canny) and directions are wrong. Dividing by the spacing fixes the
    magnitude; setting the smoothing in mm fixes the kernel shape. The Sobel kernel
    :math:`[-1, 0, 1] \\otimes [1, 2, 1]` equals 8 times the central difference, hence
    the division by :math:`8 \\Delta_i` (:math:`4^{d-1} \\cdot 2 \\Delta_i` in d dimensions).

    Examples
    --------
    >>> ramp = np.tile(np.arange(10.0), (10, 1))  # +1 per column
    >>> g = gradient_magnitude_mm(ramp, spacing_mm=(1.0, 0.5))  # columns 0.5 mm apart
    >>> float(g[5, 5])  # 1 per 0.5 mm = 2 per mm
    2.0
    """
    from scipy import ndimage

    array = as_image(image, "image")
    spacing = as_spacing(spacing_mm, array.ndim, "spacing_mm")
    squared = np.zeros(array.shape)
    if sigma_mm is None:
        norm = 2.0 * 4.0 ** (array.ndim - 1)
        for axis, step in enumerate(spacing):
            squared += (ndimage.sobel(array, axis=axis, mode="nearest") / (norm * step)) ** 2
    else:
        sigmas = sigma_in_pixels(sigma_mm, spacing, array.ndim)
        for axis, step in enumerate(spacing):
            order = [0] * array.ndim
            order[axis] = 1
            derivative = ndimage.gaussian_filter(array, sigmas, order=order, mode="nearest")
            squared += (derivative / step) ** 2
    return np.sqrt(squared)


def laplacian_of_gaussian_mm(
    image: np.ndarray,
    *,
    sigma_mm: float | tuple[float, ...],
    spacing_mm: float | tuple[float, ...],
) -> np.ndarray:
    """Laplacian of Gaussian in intensity units per mm², with the kernel set in mm.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Grey image.
    sigma_mm : float or tuple of float
        Standard deviation of the Gaussian in mm (> 0), one value or one per axis.
    spacing_mm : float or tuple of float
        Pixel spacing in mm, in array axis order.

    Returns
    -------
    ndarray of float64, same shape as ``image``
        :math:`\\sum_i \\partial^2 (G_\\sigma * I) / \\partial x_i^2` with :math:`x_i`
        in mm. Edges are its zero crossings; a dark blob of radius :math:`r` gives the
        strongest positive response for :math:`\\sigma \\approx r / \\sqrt{2}` (2D,
        after scale normalisation by :math:`\\sigma^2`).

    Raises
    ------
    ValueError
        If the image is not 2D/3D or not finite, a sigma is not positive, or
        ``spacing_mm`` is invalid.

    Notes
    -----
    :func:`scipy.ndimage.gaussian_laplace` sums second derivatives in pixel units, which
    on anisotropic voxels weights each axis by the inverse square of its spacing; here
    each axis is divided by its own :math:`\\Delta_i^2`. A difference of Gaussians
    :math:`G_{k\\sigma} - G_{\\sigma}` (k about 1.6) approximates
    :math:`(k - 1) \\sigma^2 \\nabla^2 G_\\sigma`.

    Examples
    --------
    >>> yy, xx = np.mgrid[:21, :21]
    >>> bowl = ((yy - 10) * 0.5) ** 2 + (xx - 10.0) ** 2  # y spacing 0.5 mm: y_mm**2 + x_mm**2
    >>> round(float(laplacian_of_gaussian_mm(bowl, sigma_mm=1.0, spacing_mm=(0.5, 1.0))[10, 10]), 2)
    4.0
    """
    from scipy import ndimage

    array = as_image(image, "image")
    spacing = as_spacing(spacing_mm, array.ndim, "spacing_mm")
    sigmas = sigma_in_pixels(sigma_mm, spacing, array.ndim)
    if min(sigmas) <= 0:
        raise ValueError(f"sigma_mm must be > 0 along every axis, got {sigma_mm!r}")
    total = np.zeros(array.shape)
    for axis, step in enumerate(spacing):
        order = [0] * array.ndim
        order[axis] = 2
        total += ndimage.gaussian_filter(array, sigmas, order=order, mode="nearest") / step**2
    return total

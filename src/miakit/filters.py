"""Frequency-domain filters and edge-profile measurements.

Used by chapter 03 (filtering: ideal vs Butterworth filters, edge widths before and
after filtering) and chapter 05 (image quality: the edge spread function behind the
MTF). Spatial filters (mean, Gaussian, median, bilateral, Frangi, ...) come straight
from SciPy and scikit-image and are not wrapped here.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._checks import as_array, as_image, choice, flag, positive, probability, shape_of

__all__ = ["edge_width", "frequency_filter", "frequency_response"]


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

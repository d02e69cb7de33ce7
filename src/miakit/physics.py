"""Small simulators of image formation, to show *why* each modality looks as it does.

CT: Beer-Lambert attenuation, Poisson counts, filtered back-projection (scikit-image
radon/iradon), Hounsfield units. MRI: k-space, undersampling, spin-echo contrast. PET:
point-spread blur plus Poisson noise. Ultrasound speckle is in :mod:`miakit.noise`.
Taught in chapter 02 (*Modalities*).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.transform import iradon, radon

from ._checks import (
    RNGLike,
    as_array,
    as_image,
    as_rng,
    at_most,
    choice,
    finite_array,
    positive,
    positive_int,
)
from ._mri_kspace import image_to_kspace, kspace_to_image, undersample_kspace

__all__ = [
    "CTScan",
    "hu_from_mu",
    "image_to_kspace",
    "kspace_to_image",
    "mu_from_hu",
    "simulate_ct_scan",
    "simulate_pet",
    "spin_echo_signal",
    "undersample_kspace",
]

_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


def hu_from_mu(mu_per_cm: np.ndarray | float, *, mu_water_per_cm: float) -> np.ndarray:
    """Convert linear attenuation coefficients to Hounsfield units.

    Parameters
    ----------
    mu_per_cm : array_like
        Linear attenuation coefficient in 1/cm.
    mu_water_per_cm : float
        Attenuation of water at the same effective energy, in 1/cm (> 0).

    Returns
    -------
    ndarray of float64
        :math:`HU = 1000 (\\mu - \\mu_w) / \\mu_w`: water is 0 HU, air about -1000 HU.

    Raises
    ------
    ValueError
        If ``mu_water_per_cm`` is not positive.

    Examples
    --------
    >>> hu_from_mu([0.0, 0.2, 0.4], mu_water_per_cm=0.2)
    array([-1000.,     0.,  1000.])
    """
    mu_water = positive(mu_water_per_cm, "mu_water_per_cm")
    return 1000.0 * (finite_array(mu_per_cm, "mu_per_cm") - mu_water) / mu_water


def mu_from_hu(hu: np.ndarray | float, *, mu_water_per_cm: float) -> np.ndarray:
    """Inverse of :func:`hu_from_mu`: :math:`\\mu = \\mu_w (1 + HU / 1000)` in 1/cm.

    Parameters
    ----------
    hu : array_like
        CT numbers in HU.
    mu_water_per_cm : float
        Attenuation of water at the same effective energy, in 1/cm (> 0).

    Returns
    -------
    ndarray
        Linear attenuation in 1/cm, shape of ``hu`` (a NumPy scalar for scalar ``hu``).

    Raises
    ------
    TypeError
        If ``hu`` is not numeric or ``mu_water_per_cm`` is not a number.
    ValueError
        If ``mu_water_per_cm`` is not positive and finite, or ``hu`` is empty.

    Examples
    --------
    >>> mu_from_hu([-1000.0, 0.0], mu_water_per_cm=0.2)
    array([0. , 0.2])
    """
    mu_water = positive(mu_water_per_cm, "mu_water_per_cm")
    return mu_water * (1.0 + finite_array(hu, "hu") / 1000.0)


@dataclass(frozen=True)
class CTScan:
    """Result of :func:`simulate_ct_scan`.

    ``sinogram`` (D detector bins, V views): measured line integrals :math:`-\\ln(I/I_0)`;
    ``reconstruction`` (N, N): filtered back-projection in 1/cm; ``theta_deg`` (V,): angles.
    """

    sinogram: np.ndarray
    reconstruction: np.ndarray
    theta_deg: np.ndarray


def simulate_ct_scan(
    image_mu: np.ndarray,
    *,
    n_views: int,
    incident_photons: float | None = None,
    pixel_size_cm: float = 0.1,
    filter_name: Literal["ramp", "shepp-logan", "cosine", "hamming", "hann"] | None = "ramp",
    rng: RNGLike = None,
) -> CTScan:
    """Simulate a parallel-beam CT scan of an attenuation map and reconstruct it by FBP.

    Parameters
    ----------
    image_mu : ndarray of shape (N, N)
        Linear attenuation coefficients in 1/cm (>= 0), zero outside the inscribed circle.
    n_views : int
        Number of projection angles, evenly spaced over 180 degrees (>= 1).
    incident_photons : float or None
        Expected photons per detector bin and view without an object (:math:`I_0`, > 0):
        the dose. ``None`` gives noise-free projections.
    pixel_size_cm : float
        Pixel size in cm (> 0); converts pixel sums to line integrals.
    filter_name : {"ramp", "shepp-logan", "cosine", "hamming", "hann"} or None
        Reconstruction filter of :func:`skimage.transform.iradon`; ``None`` gives plain
        (blurred) back-projection.
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed.

    Returns
    -------
    CTScan
        Sinogram, reconstruction in 1/cm and angles.

    Raises
    ------
    ValueError
        If ``image_mu`` is not square, has negative values or non-zero values outside the
        inscribed circle, or a parameter is out of range.

    Notes
    -----
    Line integrals :math:`p = \\int \\mu\\,dl` (:func:`skimage.transform.radon`); Poisson
    counts :math:`I` with mean :math:`I_0 e^{-p}` (Beer-Lambert); :math:`\\hat p = \\ln(I_0 /
    \\max(I, 1))` is reconstructed by :func:`skimage.transform.iradon`. :math:`\\mathrm{Var}\\,\\hat p \\approx 1/(I_0 e^{-p})`,
    so image noise falls as :math:`1/\\sqrt{I_0}`. Monochromatic: no beam hardening or scatter.

    Examples
    --------
    >>> from skimage.draw import disk
    >>> mu = np.zeros((64, 64)); mu[disk((32, 32), 20)] = 0.2
    >>> scan = simulate_ct_scan(mu, n_views=90, incident_photons=1e5, rng=0)
    >>> scan.sinogram.shape, scan.reconstruction.shape
    ((64, 90), (64, 64))
    >>> bool(abs(scan.reconstruction[24:40, 24:40].mean() - 0.2) < 0.01)
    True
    """
    mu = as_image(image_mu, "image_mu", ndim=2)
    if mu.shape[0] != mu.shape[1]:
        raise ValueError(f"image_mu must be square, got shape {mu.shape}")
    if mu.min() < 0:
        raise ValueError(f"image_mu must be >= 0 (1/cm), got minimum {mu.min():.4g}")
    size, centre = mu.shape[0], mu.shape[0] // 2
    yy, xx = np.mgrid[:size, :size]
    if np.any(mu[(yy - centre) ** 2 + (xx - centre) ** 2 > centre**2] != 0):
        raise ValueError("image_mu must be zero outside the inscribed circle (pad it first)")
    n_views = positive_int(n_views, "n_views")
    at_most(n_views, "n_views", 10_000, "the work grows with views x pixels")
    pixel_size_cm = positive(pixel_size_cm, "pixel_size_cm")
    if filter_name is not None:
        choice(filter_name, "filter_name", ["ramp", "shepp-logan", "cosine", "hamming", "hann"])
    theta = np.linspace(0.0, 180.0, n_views, endpoint=False)
    line_integrals = radon(mu, theta=theta, circle=True) * pixel_size_cm
    if incident_photons is not None:
        photons = positive(incident_photons, "incident_photons")
        at_most(photons, "incident_photons", 1e15, "Poisson sampling limit")
        generator = as_rng(rng)
        counts = generator.poisson(photons * np.exp(-line_integrals))
        line_integrals = np.log(photons / np.maximum(counts, 1))
    reconstruction = iradon(
        line_integrals, theta=theta, filter_name=filter_name, circle=True, output_size=size
    )
    return CTScan(line_integrals, reconstruction / pixel_size_cm, theta)


def spin_echo_signal(
    pd: np.ndarray | float,
    t1_ms: np.ndarray | float,
    t2_ms: np.ndarray | float,
    *,
    tr_ms: float,
    te_ms: float,
) -> np.ndarray:
    """Spin-echo signal from proton density and relaxation times.

    Parameters
    ----------
    pd : array_like
        Proton density (relative, >= 0).
    t1_ms, t2_ms : array_like
        Longitudinal and transverse relaxation times in ms (> 0), broadcastable with ``pd``.
    tr_ms : float
        Repetition time in ms (> 0).
    te_ms : float
        Echo time in ms (> 0 and < ``tr_ms``).

    Returns
    -------
    ndarray of float64
        :math:`S = PD\\,(1 - e^{-TR/T_1})\\,e^{-TE/T_2}`, arbitrary units: scanners multiply
        by coil and receiver gains, so MR intensities have no fixed unit.

    Raises
    ------
    ValueError
        If ``pd`` is negative or not finite, a relaxation time is not positive, the
        three do not broadcast together, or TE >= TR.

    Notes
    -----
    Short TR and TE: T1 weighting; long TR and TE: T2 weighting (fluid bright); long TR
    and short TE: PD weighting.

    Examples
    --------
    >>> round(float(spin_echo_signal(1.0, 1000.0, 100.0, tr_ms=1000.0, te_ms=100.0)), 4)
    0.2325
    """
    tr, te = positive(tr_ms, "tr_ms"), positive(te_ms, "te_ms")
    if te >= tr:
        raise ValueError(f"te_ms must be shorter than tr_ms, got te_ms={te_ms}, tr_ms={tr_ms}")
    density, t1, t2 = (
        as_array(v, n, kind="buif").astype(np.float64)
        for v, n in ((pd, "pd"), (t1_ms, "t1_ms"), (t2_ms, "t2_ms"))
    )
    try:
        np.broadcast_shapes(density.shape, t1.shape, t2.shape)
    except ValueError:
        shapes = f"{density.shape}, {t1.shape}, {t2.shape}"
        raise ValueError(
            f"pd, t1_ms and t2_ms must broadcast together, got shapes {shapes}"
        ) from None
    if not np.all(np.isfinite(density)):
        raise ValueError("pd must contain only finite values, found NaN or inf")
    if np.any(density < 0):
        raise ValueError(f"pd must be >= 0, got minimum {density.min():.4g}")
    for name, values in (("t1_ms", t1), ("t2_ms", t2)):
        if not np.all(np.isfinite(values) & (values > 0)):
            raise ValueError(f"{name} must be finite and > 0, got minimum {values.min():.4g}")
    return density * (1.0 - np.exp(-tr / t1)) * np.exp(-te / t2)


def simulate_pet(
    activity: np.ndarray, *, counts: float, fwhm_px: float, rng: RNGLike = None
) -> np.ndarray:
    """Blur an activity map by a Gaussian point-spread function, then add counting noise.

    Parameters
    ----------
    activity : ndarray of shape (Y, X) or (Z, Y, X)
        Non-negative tracer concentration (any units, e.g. kBq/mL), not all zero.
    counts : float
        Expected total detected events (> 0); more activity or scan time, less noise.
    fwhm_px : float
        Full width at half maximum of the point-spread function, in pixels (>= 0).
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed.

    Returns
    -------
    ndarray of float64, same shape and units as ``activity``

    Raises
    ------
    ValueError
        If ``activity`` is negative, all zero or not finite, or a parameter is out of range.

    Notes
    -----
    :math:`g = K/s`, :math:`K \\sim \\mathrm{Poisson}(s\\,(h * f))` with ``h`` a Gaussian of
    standard deviation :math:`\\mathrm{FWHM}/(2\\sqrt{2\\ln 2})` (:func:`scipy.ndimage.
    gaussian_filter`) and ``s`` chosen so the expected total is ``counts``. The blur
    lowers the peak of objects smaller than about 2-3 FWHM: the partial-volume effect.
    The Poisson noise is drawn per image pixel, a simplification: a real scanner counts
    per line of response (the sinogram), and reconstruction makes the image noise
    correlated and roughly Gaussian (see :func:`simulate_ct_scan` for that behaviour).
    Attenuation, scatter, randoms and iterative reconstruction are left out.

    Examples
    --------
    >>> spot = np.zeros((41, 41)); spot[18:23, 18:23] = 10.0
    >>> blurred = simulate_pet(spot, counts=1e9, fwhm_px=6.0, rng=0)
    >>> bool(blurred.max() < 6.0), round(float(blurred.sum() / spot.sum()), 2)
    (True, 1.0)
    """
    image = as_image(activity, "activity")
    if image.min() < 0:
        raise ValueError(f"activity must be >= 0, got minimum {image.min():.4g}")
    if image.max() == 0:
        raise ValueError("activity must not be all zero")
    total, fwhm = positive(counts, "counts"), positive(fwhm_px, "fwhm_px", allow_zero=True)
    at_most(total, "counts", 1e15, "Poisson sampling limit")
    at_most(fwhm, "fwhm_px", max(4 * max(image.shape), 64), "a blur wider than the image erases it")
    blurred = gaussian_filter(image, sigma=fwhm / _FWHM_PER_SIGMA, mode="constant").clip(0)
    scale = total / blurred.sum()
    return as_rng(rng).poisson(blurred * scale).astype(np.float64) / scale

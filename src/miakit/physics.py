"""Small simulators of image formation: CT, MRI, PET (ultrasound speckle is in ``noise``).

They are deliberately simple, to show *why* each modality looks the way it does:

- CT: Beer-Lambert attenuation, Poisson photon counts, filtered back-projection
  (:func:`skimage.transform.radon` / :func:`skimage.transform.iradon`), Hounsfield units.
- MRI: the image is the inverse Fourier transform of k-space; skipping k-space lines
  aliases; the spin-echo equation gives T1/T2/PD contrast.
- PET: blur by the scanner's point-spread function, then Poisson counting noise.

Taught in chapter 02 (*Modalities*); chapter 05 (*Quality metrics*) reuses the CT dose model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._checks import as_array, as_image, choice, positive, positive_int, probability

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


# --------------------------------------------------------------------------------- CT
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
    mu = as_array(mu_per_cm, "mu_per_cm", kind="buif").astype(np.float64)
    return 1000.0 * (mu - mu_water) / mu_water


def mu_from_hu(hu: np.ndarray | float, *, mu_water_per_cm: float) -> np.ndarray:
    """Inverse of :func:`hu_from_mu`: :math:`\\mu = \\mu_w (1 + HU / 1000)` in 1/cm.

    Raises
    ------
    ValueError
        If ``mu_water_per_cm`` is not positive.

    Examples
    --------
    >>> mu_from_hu([-1000.0, 0.0], mu_water_per_cm=0.2)
    array([0. , 0.2])
    """
    mu_water = positive(mu_water_per_cm, "mu_water_per_cm")
    values = as_array(hu, "hu", kind="buif").astype(np.float64)
    return mu_water * (1.0 + values / 1000.0)


@dataclass(frozen=True)
class CTScan:
    """Result of :func:`simulate_ct_scan`.

    Attributes
    ----------
    sinogram : ndarray of shape (D, V)
        Measured line integrals :math:`-\\ln(I/I_0)` (dimensionless), D detector bins
        by V views.
    reconstruction : ndarray of shape (N, N)
        Filtered back-projection, in 1/cm.
    theta_deg : ndarray of shape (V,)
        Projection angles in degrees.
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
    rng: np.random.Generator | int | None = None,
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
    Line integrals :math:`p = \\int \\mu\\,dl` come from :func:`skimage.transform.radon`.
    Beer-Lambert gives the expected detector counts :math:`I_0 e^{-p}`; the counts are
    Poisson distributed. The log transform :math:`\\hat p = \\ln(I_0 / \\max(I, 1))`
    (zero counts are set to one) is reconstructed by
    :func:`skimage.transform.iradon`. The variance of :math:`\\hat p` is about
    :math:`1/(I_0 e^{-p})`, so the image noise falls as :math:`1/\\sqrt{I_0}`.
    Monochromatic beam: no beam hardening, scatter or electronic noise.

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
    from skimage.transform import iradon, radon

    mu = as_image(image_mu, "image_mu", ndim=2)
    if mu.shape[0] != mu.shape[1]:
        raise ValueError(f"image_mu must be square, got shape {mu.shape}")
    if mu.min() < 0:
        raise ValueError(f"image_mu must be >= 0 (1/cm), got minimum {mu.min():.4g}")
    size = mu.shape[0]
    yy, xx = np.mgrid[:size, :size]
    centre = size // 2
    outside = (yy - centre) ** 2 + (xx - centre) ** 2 > centre**2
    if np.any(mu[outside] != 0):
        raise ValueError("image_mu must be zero outside the inscribed circle (pad it first)")
    n_views = positive_int(n_views, "n_views")
    pixel_size_cm = positive(pixel_size_cm, "pixel_size_cm")
    if filter_name is not None:
        choice(filter_name, "filter_name", ["ramp", "shepp-logan", "cosine", "hamming", "hann"])
    theta = np.linspace(0.0, 180.0, n_views, endpoint=False)
    line_integrals = radon(mu, theta=theta, circle=True) * pixel_size_cm
    if incident_photons is not None:
        photons = positive(incident_photons, "incident_photons")
        generator = np.random.default_rng(rng)
        counts = generator.poisson(photons * np.exp(-line_integrals))
        line_integrals = np.log(photons / np.maximum(counts, 1))
    reconstruction = iradon(
        line_integrals, theta=theta, filter_name=filter_name, circle=True, output_size=size
    )
    return CTScan(line_integrals, reconstruction / pixel_size_cm, theta)


# -------------------------------------------------------------------------------- MRI
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
    >>> k = image_to_kspace(np.ones((4, 4)))
    >>> np.round(np.abs(k), 6)  # all signal at the centre: the mean intensity
    array([[0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 4., 0.],
           [0., 0., 0., 0.]])
    """
    array = _finite_complex(image, "image")
    return np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(array), norm="ortho"))


def kspace_to_image(kspace: np.ndarray) -> np.ndarray:
    """Inverse of :func:`image_to_kspace`; returns the complex image.

    Take ``np.abs`` for the magnitude image scanners usually show.

    Raises
    ------
    ValueError
        If ``kspace`` is not 2D or has NaN/inf.

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
    rng: np.random.Generator | int | None = None,
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
        Where the other rows go: at random (incoherent, noise-like aliasing) or every
        ``factor``-th row (coherent fold-over ghosts).
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

    Notes
    -----
    Zero-filling skipped lines and inverting gives aliasing. Regular skipping folds the
    image onto itself with a shift of ``Y / factor`` (the field of view shrinks); random
    skipping spreads the error as noise-like artefacts, which compressed-sensing
    reconstructions exploit.

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
    n_rows = array.shape[0]
    centre = n_rows // 2
    n_centre = int(round(n_rows * center_fraction))
    rows = np.zeros(n_rows, dtype=bool)
    rows[centre - n_centre // 2 : centre - n_centre // 2 + n_centre] = True
    n_keep = max(int(round(n_rows / factor)), int(rows.sum()))
    if pattern == "equispaced":
        rows[(np.arange(n_rows) - centre) % factor == 0] = True
    else:
        generator = np.random.default_rng(rng)
        candidates = np.flatnonzero(~rows)
        extra = generator.choice(candidates, size=n_keep - int(rows.sum()), replace=False)
        rows[extra] = True
    mask = np.broadcast_to(rows[:, None], array.shape).copy()
    return np.where(mask, array, 0), mask


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
        :math:`S = PD\\,(1 - e^{-TR/T_1})\\,e^{-TE/T_2}` in arbitrary units.

    Raises
    ------
    ValueError
        If ``pd`` is negative, a relaxation time is not positive, or TE >= TR.

    Notes
    -----
    Short TR and short TE give T1 weighting (short-T1 tissue such as white matter is
    bright); long TR and long TE give T2 weighting (fluid is bright); long TR and short
    TE give proton-density weighting. The absolute value also scales with coil gain,
    receiver settings and field strength, so MR intensities have no fixed unit.

    Examples
    --------
    >>> round(float(spin_echo_signal(1.0, 1000.0, 100.0, tr_ms=1000.0, te_ms=100.0)), 4)
    0.2325
    """
    tr = positive(tr_ms, "tr_ms")
    te = positive(te_ms, "te_ms")
    if te >= tr:
        raise ValueError(f"te_ms must be shorter than tr_ms, got te_ms={te_ms}, tr_ms={tr_ms}")
    density = as_array(pd, "pd", kind="buif").astype(np.float64)
    t1 = as_array(t1_ms, "t1_ms", kind="buif").astype(np.float64)
    t2 = as_array(t2_ms, "t2_ms", kind="buif").astype(np.float64)
    if np.any(density < 0):
        raise ValueError(f"pd must be >= 0, got minimum {density.min():.4g}")
    for name, values in (("t1_ms", t1), ("t2_ms", t2)):
        if not np.all(np.isfinite(values) & (values > 0)):
            raise ValueError(f"{name} must be finite and > 0, got minimum {values.min():.4g}")
    return density * (1.0 - np.exp(-tr / t1)) * np.exp(-te / t2)


# -------------------------------------------------------------------------------- PET
def simulate_pet(
    activity: np.ndarray,
    *,
    counts: float,
    fwhm_px: float,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Blur an activity map by a Gaussian point-spread function, then add counting noise.

    Parameters
    ----------
    activity : ndarray of shape (Y, X) or (Z, Y, X)
        Non-negative tracer concentration (any units, e.g. kBq/mL), not all zero.
    counts : float
        Expected total number of detected events in the image (> 0): more injected
        activity or a longer scan gives more counts and less noise.
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
    spreads the activity of objects smaller than about 2-3 FWHM over their surroundings,
    so their peak value is underestimated: the partial-volume effect. Real PET adds
    attenuation, scatter, randoms and iterative reconstruction; this keeps only the two
    effects that dominate how PET images look.

    Examples
    --------
    >>> spot = np.zeros((41, 41)); spot[18:23, 18:23] = 10.0
    >>> blurred = simulate_pet(spot, counts=1e9, fwhm_px=6.0, rng=0)
    >>> bool(blurred.max() < 6.0), round(float(blurred.sum() / spot.sum()), 2)
    (True, 1.0)
    """
    from scipy.ndimage import gaussian_filter

    image = as_image(activity, "activity")
    if image.min() < 0:
        raise ValueError(f"activity must be >= 0, got minimum {image.min():.4g}")
    if image.max() == 0:
        raise ValueError("activity must not be all zero")
    total = positive(counts, "counts")
    fwhm = positive(fwhm_px, "fwhm_px", allow_zero=True)
    blurred = gaussian_filter(image, sigma=fwhm / _FWHM_PER_SIGMA, mode="constant")
    blurred = np.clip(blurred, 0.0, None)
    scale = total / blurred.sum()
    generator = np.random.default_rng(rng)
    return generator.poisson(blurred * scale).astype(np.float64) / scale

"""Noise models of medical imaging: Gaussian, Poisson, Rician, salt-and-pepper, speckle.

Each function takes a float image (2D or 3D), returns a new float64 array of the same
shape and never changes its input. Randomness comes only from ``rng`` (anything
:func:`numpy.random.default_rng` accepts), so a fixed seed gives the same noise.

Which model fits which modality is taught in chapter 02 (*Modalities*); chapter 04
(*Noise reduction*) uses these functions to compare denoising filters.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

from ._checks import RNGLike, as_image, as_rng, choice, finite, positive, probability

__all__ = [
    "NoiseKind",
    "add_gaussian_noise",
    "add_noise",
    "add_poisson_noise",
    "add_rician_noise",
    "add_salt_and_pepper_noise",
    "add_speckle_noise",
]

NoiseKind = Literal["gaussian", "poisson", "rician", "salt_and_pepper", "speckle"]


def _non_negative_image(image: object, name: str) -> np.ndarray:
    array = as_image(image, name)
    if array.min() < 0:
        raise ValueError(
            f"{name} must be non-negative for this noise model, got minimum {array.min():.4g}"
        )
    return array


def add_gaussian_noise(image: np.ndarray, *, sigma: float, rng: RNGLike = None) -> np.ndarray:
    """Add zero-mean Gaussian (normal) noise of standard deviation ``sigma``.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Noise-free image, any real units.
    sigma : float
        Standard deviation of the noise in the image's units (>= 0).
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed.

    Returns
    -------
    ndarray of float64, same shape as ``image``

    Raises
    ------
    ValueError
        If ``image`` is not 2D/3D, has NaN/inf, or ``sigma`` is negative or not finite.

    Notes
    -----
    :math:`g = f + n`, :math:`n \\sim \\mathcal{N}(0, \\sigma^2)` independently per pixel.
    A good model for electronic noise, and for CT after reconstruction at moderate dose.

    Examples
    --------
    >>> noisy = add_gaussian_noise(np.zeros((200, 200)), sigma=2.0, rng=0)
    >>> round(float(noisy.std()), 1)
    2.0
    """
    array = as_image(image, "image")
    sigma = positive(sigma, "sigma", allow_zero=True)
    generator = as_rng(rng)
    return array + generator.normal(0.0, sigma, size=array.shape)


def add_poisson_noise(image: np.ndarray, *, peak_counts: float, rng: RNGLike = None) -> np.ndarray:
    """Photon-counting (Poisson) noise: fewer counts give a noisier image.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Non-negative noise-free image (e.g. expected photon fluence or activity).
    peak_counts : float
        Expected number of counts at the image's maximum (> 0). The image is scaled so its
        maximum equals ``peak_counts``, Poisson counts are drawn, and the result is scaled
        back to the image's units.
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed.

    Returns
    -------
    ndarray of float64, same shape as ``image``
        Same units and mean as ``image``. An all-zero image is returned unchanged.

    Raises
    ------
    ValueError
        If ``image`` has negative, NaN or inf values, or ``peak_counts`` is not positive.

    Notes
    -----
    With scale :math:`s = N_{peak} / \\max f`, :math:`g = K / s` with
    :math:`K \\sim \\mathrm{Poisson}(s f)`. Then :math:`E[g] = f` and
    :math:`\\mathrm{Var}[g] = f / s`: the relative noise :math:`1/\\sqrt{s f}` falls with
    the square root of the counts (dose in X-ray/CT, injected activity and time in PET).

    Examples
    --------
    >>> flat = np.full((300, 300), 5.0)
    >>> noisy = add_poisson_noise(flat, peak_counts=100, rng=0)
    >>> round(float(noisy.mean()), 1), round(float(noisy.std()), 1)  # std = 5 / sqrt(100)
    (5.0, 0.5)
    """
    array = _non_negative_image(image, "image")
    peak_counts = positive(peak_counts, "peak_counts")
    generator = as_rng(rng)
    maximum = float(array.max())
    if maximum == 0:
        return array.copy()
    scale = peak_counts / maximum
    return generator.poisson(array * scale).astype(np.float64) / scale


def add_rician_noise(image: np.ndarray, *, sigma: float, rng: RNGLike = None) -> np.ndarray:
    """Magnitude-MRI noise: Gaussian noise on the real and imaginary channels, then ``abs``.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Non-negative noise-free magnitude image (arbitrary units).
    sigma : float
        Standard deviation of the Gaussian noise in each channel (>= 0).
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed.

    Returns
    -------
    ndarray of float64, same shape as ``image``, non-negative

    Raises
    ------
    ValueError
        If ``image`` has negative, NaN or inf values, or ``sigma`` is negative.

    Notes
    -----
    :math:`g = \\sqrt{(f + n_r)^2 + n_i^2}` with :math:`n_r, n_i \\sim \\mathcal{N}(0,
    \\sigma^2)`. The result follows a Rice distribution. Where :math:`f = 0` (air) it is a
    Rayleigh distribution with mean :math:`\\sigma\\sqrt{\\pi/2} \\approx 1.25\\sigma`, not
    0: dark regions are biased upwards and their noise is skewed. Where
    :math:`f \\gg \\sigma` it is close to Gaussian with mean :math:`f` and standard
    deviation :math:`\\sigma` [1]_.

    References
    ----------
    .. [1] H. Gudbjartsson and S. Patz, "The Rician distribution of noisy MRI data",
       Magn. Reson. Med. 34(6):910-914, 1995. doi:10.1002/mrm.1910340618

    Examples
    --------
    >>> dark = add_rician_noise(np.zeros((300, 300)), sigma=1.0, rng=0)
    >>> bool(abs(dark.mean() - np.sqrt(np.pi / 2)) < 0.02)  # mean is not 0 but 1.25 sigma
    True
    """
    array = _non_negative_image(image, "image")
    sigma = positive(sigma, "sigma", allow_zero=True)
    generator = as_rng(rng)
    real = array + generator.normal(0.0, sigma, size=array.shape)
    imaginary = generator.normal(0.0, sigma, size=array.shape)
    return np.hypot(real, imaginary)


def add_salt_and_pepper_noise(
    image: np.ndarray,
    *,
    amount: float,
    salt_value: float | None = None,
    pepper_value: float | None = None,
    rng: RNGLike = None,
) -> np.ndarray:
    """Impulse noise: a fraction ``amount`` of pixels set to a bright or dark extreme.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Noise-free image.
    amount : float
        Fraction of pixels that are corrupted, in [0, 1]; half (on average) become salt and
        half pepper.
    salt_value, pepper_value : float or None
        Values of the bright and dark impulses; default the image's maximum and minimum.
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed.

    Returns
    -------
    ndarray of float64, same shape as ``image``

    Raises
    ------
    ValueError
        If ``amount`` is outside [0, 1], ``image`` has NaN/inf, or a value is not finite.

    Notes
    -----
    Models dead or saturated detector elements and transmission bit errors. The median
    filter removes it well; linear filters smear it.

    Examples
    --------
    >>> noisy = add_salt_and_pepper_noise(np.full((100, 100), 0.5), amount=0.1,
    ...                                   salt_value=1.0, pepper_value=0.0, rng=0)
    >>> round(float((noisy != 0.5).mean()), 2)
    0.1
    """
    array = as_image(image, "image")
    amount = probability(amount, "amount")
    salt = float(array.max()) if salt_value is None else finite(salt_value, "salt_value")
    pepper = float(array.min()) if pepper_value is None else finite(pepper_value, "pepper_value")
    generator = as_rng(rng)
    draw = generator.random(array.shape)
    noisy = array.copy()
    noisy[draw < amount / 2] = pepper
    noisy[(draw >= amount / 2) & (draw < amount)] = salt
    return noisy


def add_speckle_noise(image: np.ndarray, *, looks: float = 1, rng: RNGLike = None) -> np.ndarray:
    """Multiplicative speckle of coherent imaging (ultrasound, OCT, SAR), in intensity.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Non-negative noise-free intensity (echo power), arbitrary units.
    looks : float
        Number of independent looks averaged (> 0). One look is fully developed speckle;
        more looks (compounding) give less speckle.
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed.

    Returns
    -------
    ndarray of float64, same shape as ``image``, non-negative

    Raises
    ------
    ValueError
        If ``image`` has negative, NaN or inf values, or ``looks`` is not positive.

    Notes
    -----
    :math:`g = f \\cdot m` with :math:`m \\sim \\mathrm{Gamma}(L, 1/L)`, so
    :math:`E[m] = 1` and :math:`\\mathrm{Var}[m] = 1/L`. The noise is multiplicative: its
    standard deviation is proportional to the local mean, :math:`f/\\sqrt{L}`. For one
    look the intensity is exponential (the amplitude is Rayleigh distributed), the
    classical model of fully developed speckle. Log-compressed B-mode display turns the
    multiplicative noise into additive noise.

    Examples
    --------
    >>> noisy = add_speckle_noise(np.full((300, 300), 10.0), looks=4, rng=0)
    >>> round(float(noisy.mean())), round(float(noisy.std()))  # 10 and 10 / sqrt(4)
    (10, 5)
    """
    array = _non_negative_image(image, "image")
    looks = positive(looks, "looks")
    generator = as_rng(rng)
    return array * generator.gamma(shape=looks, scale=1.0 / looks, size=array.shape)


_LEVEL_NAMES = {
    "gaussian": "sigma",
    "poisson": "peak_counts",
    "rician": "sigma",
    "salt_and_pepper": "amount",
    "speckle": "looks",
}


def add_noise(
    image: np.ndarray,
    kind: NoiseKind,
    level: float,
    *,
    rng: RNGLike = None,
) -> np.ndarray:
    """Add noise of one of the five models, with ``level`` as the model's main parameter.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Z, Y, X)
        Noise-free image.
    kind : {"gaussian", "poisson", "rician", "salt_and_pepper", "speckle"}
        The noise model.
    level : float
        ``sigma`` for "gaussian" and "rician", ``peak_counts`` for "poisson" (higher is
        *less* noise), ``amount`` for "salt_and_pepper", ``looks`` for "speckle" (higher is
        *less* noise).
    rng : numpy.random.Generator or int or None
        Source of randomness or a seed.

    Returns
    -------
    ndarray of float64, same shape as ``image``

    Raises
    ------
    ValueError
        If ``kind`` is unknown, or as raised by the model's function.

    Examples
    --------
    >>> image = np.full((50, 50), 2.0)
    >>> a = add_noise(image, "gaussian", 0.1, rng=1)
    >>> b = add_gaussian_noise(image, sigma=0.1, rng=1)
    >>> bool(np.array_equal(a, b))
    True
    """
    choice(kind, "kind", list(get_args(NoiseKind)))
    functions = {
        "gaussian": add_gaussian_noise,
        "poisson": add_poisson_noise,
        "rician": add_rician_noise,
        "salt_and_pepper": add_salt_and_pepper_noise,
        "speckle": add_speckle_noise,
    }
    inner = _LEVEL_NAMES[kind]
    try:
        return functions[kind](image, rng=rng, **{inner: level})  # type: ignore[operator]
    except (TypeError, ValueError) as err:
        message = str(err)
        if message.startswith(f"{inner} "):  # name the argument the caller passed
            raise type(err)(f"level (the {inner} of {kind} noise){message[len(inner) :]}") from None
        raise

"""Intensity model and scanner (site) effects of the virtual cohort (private).

See :mod:`miakit.cohort` for the documented model; this module holds the tables and
the per-slice rendering used by both the 2D and the 3D generators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from . import _cohort_anatomy as anat
from ._checks import choice, positive_int

if TYPE_CHECKING:  # pragma: no cover
    from .cohort import Subject

__all__: list[str] = []

CONTRASTS = ("T1w", "T2w", "FLAIR", "PD")
TISSUES = ("CSF", "GM", "WM", "lesion", "oedema")
NOISE_STREAM = 11

# Relative signal of each pure tissue (white matter on T1w close to 1). Loosely follows
# the usual appearance at 1.5-3 T: T1w WM > GM > CSF; T2w CSF > GM > WM; FLAIR is
# T2-weighted with CSF nulled; PD has little contrast. Lesions (tumour-like or
# demyelinating) lengthen T1 and T2: dark on T1w, bright on T2w and brightest on FLAIR.
INTENSITY: dict[str, dict[str, float]] = {
    "T1w": {"CSF": 0.25, "GM": 0.60, "WM": 0.90, "lesion": 0.40, "oedema": 0.72},
    "T2w": {"CSF": 1.00, "GM": 0.60, "WM": 0.45, "lesion": 0.85, "oedema": 0.78},
    "FLAIR": {"CSF": 0.12, "GM": 0.60, "WM": 0.48, "lesion": 1.00, "oedema": 0.85},
    "PD": {"CSF": 0.90, "GM": 0.78, "WM": 0.65, "lesion": 0.88, "oedema": 0.84},
}


@dataclass(frozen=True)
class SiteProfile:
    """How one scanner (site) renders an image.

    Attributes
    ----------
    noise_sigma : float
        Standard deviation of each Gaussian channel of the Rician noise, relative to the
        signal scale (white matter on T1w is about 0.9 before ``intensity_scale``).
    bias_strength : float
        Standard deviation of the log bias field (0.2 means roughly +-20 % gain).
    gamma : float
        Exponent of the scanner's intensity mapping (``signal ** gamma``); 1 is linear.
    blur_fwhm_mm : float
        In-plane Gaussian blur (full width at half maximum, mm): lower resolution.
    intensity_scale : float
        Arbitrary units the scanner reports (MRI intensities have no physical unit).
    description : str
        Short free text shown in tables.
    """

    noise_sigma: float
    bias_strength: float
    gamma: float
    blur_fwhm_mm: float
    intensity_scale: float
    description: str = ""


SITES: dict[str, SiteProfile] = {
    "A": SiteProfile(0.02, 0.08, 1.00, 1.0, 1000.0, "3 T research scanner, low noise"),
    "B": SiteProfile(0.05, 0.25, 0.80, 2.5, 600.0, "1.5 T clinical, strong bias field"),
    "C": SiteProfile(0.07, 0.15, 1.25, 3.5, 1500.0, "older 1.5 T, thick blur, high gamma"),
    "D": SiteProfile(0.10, 0.20, 1.00, 4.5, 300.0, "low-field portable scanner"),
}


@lru_cache(maxsize=16)
def site_bias_coef(site: str) -> np.ndarray:
    """Log-bias coefficients of a site (fixed per site, unit standard deviation)."""
    rng = np.random.default_rng([sum(map(ord, site)), 7919])
    coef = rng.normal(size=(anat.N_BASIS,) * 3)
    freq = np.add.outer(np.add.outer(np.arange(3), np.arange(3)), np.arange(3))
    coef = coef / (1.0 + freq) ** 1.5
    coef[0, 0, 0] = 0.0
    z, y, x = anat.grid_axes((24, 24, 24))
    spread = anat.basis_field(coef, z, y, x).std()
    out = coef / spread
    out.setflags(write=False)  # cached: shared by every caller
    return out


def bias_field(site: str, z: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Multiplicative bias field of a site on a grid, shape (Z, Y, X)."""
    strength = SITES[site].bias_strength
    return np.exp(strength * anat.basis_field(site_bias_coef(site), z, y, x))


def tissue_signal(
    contrast: str,
    fractions: np.ndarray,
    lesion: np.ndarray,
    oedema: np.ndarray,
    jitter: dict[str, float],
) -> np.ndarray:
    """Noise-free signal: fractions (3, ...) of CSF, GM, WM mixed with lesion and oedema."""
    table = {t: INTENSITY[contrast][t] * jitter[t] for t in TISSUES}
    csf, gm, wm = fractions
    normal = 1.0 - lesion
    wm_normal = wm * normal * (1.0 - oedema)
    signal = (
        table["CSF"] * csf * normal
        + table["GM"] * gm * normal
        + table["WM"] * wm_normal
        + table["oedema"] * wm * normal * oedema
        + table["lesion"] * lesion * (csf + gm + wm)
    )
    return signal.astype(np.float32)


def scanner(
    signal: np.ndarray,
    site: str,
    bias: np.ndarray,
    spacing_yx_mm: tuple[float, float],
    noise_rngs: list[np.random.Generator],
) -> np.ndarray:
    """Apply a site's blur, bias, gamma, scale and Rician noise slice by slice.

    ``signal`` has shape (Z, Y, X); ``noise_rngs`` holds one generator per slice.
    """
    profile = SITES[site]
    out = np.empty(signal.shape, dtype=np.float32)
    fwhm_to_sigma = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))
    sigma = tuple(profile.blur_fwhm_mm * fwhm_to_sigma / s for s in spacing_yx_mm)
    for k in range(signal.shape[0]):
        image = signal[k]
        if profile.blur_fwhm_mm > 0:
            image = ndimage.gaussian_filter(image, sigma=sigma, mode="constant")
        image = np.power(np.clip(image * bias[k], 0, None), profile.gamma)
        noise = noise_rngs[k].standard_normal((2, *image.shape), dtype=np.float32)
        noise *= profile.noise_sigma
        out[k] = np.hypot(image + noise[0], noise[1]) * profile.intensity_scale
    return out


def hard_labels(fractions: np.ndarray, lesion_mask: np.ndarray) -> np.ndarray:
    """Argmax of (background, CSF, GM, WM) with lesion (4) overriding; uint8."""
    background = 1.0 - fractions.sum(axis=0)
    stacked = np.concatenate([background[None], fractions], axis=0)
    labels = np.argmax(stacked, axis=0).astype(np.uint8)
    labels[lesion_mask] = 4
    return labels


def check_contrasts(contrasts: Sequence[str]) -> tuple[str, ...]:
    if isinstance(contrasts, str):
        contrasts = (contrasts,)
    if not isinstance(contrasts, (Sequence, np.ndarray)):
        raise TypeError(f"contrasts must be a sequence of contrast names, got {contrasts!r}"[:120])
    contrasts = tuple(contrasts)
    if len(contrasts) == 0 or len(set(contrasts)) != len(contrasts):
        raise ValueError(f"contrasts must be non-empty and without repeats, got {contrasts}")
    for name in contrasts:
        choice(name, "contrasts", CONTRASTS)
    return contrasts


def check_shape(shape: Sequence[int]) -> tuple[int, int, int]:
    if isinstance(shape, (int, np.integer)) or len(shape) != 3:
        raise ValueError(f"shape must be (Z, Y, X), three integers, got {shape!r}")
    for n in shape:
        if positive_int(n, "shape", minimum=16) > 512:
            raise ValueError(f"shape must have sizes in [16, 512], got {tuple(shape)}")
    return int(shape[0]), int(shape[1]), int(shape[2])


def render_slices(subject: Subject, shape, ks, contrasts, timepoint):
    """Images, lesion mask, labels and tissue fractions of slices ``ks`` of a grid."""
    z, y, x = anat.grid_axes(shape)
    z = z[np.asarray(ks)]
    spacing = tuple(anat.FOV_MM / n for n in shape)
    points = anat.template_points(
        z, y, x, head_scale=subject.head_scale, atrophy=subject.atrophy(timepoint),
        deformation_mm=subject.deformation_mm,
    )  # fmt: skip
    fractions = anat.sample_tissues(points, max(spacing))
    thinning = np.float32(0.5 * subject.atrophy(timepoint))
    lost = fractions[1] * thinning
    fractions[0] += lost
    fractions[1] -= lost
    edge = max(spacing[1:]) / subject.head_scale
    lesion, oedema = anat.lesion_fractions(subject.lesions, points, subject.growth(timepoint), edge)
    brain = fractions.sum(axis=0)
    lesion_mask = (lesion >= 0.5) & (brain >= 0.5)
    labels = hard_labels(fractions, lesion_mask)
    bias = bias_field(subject.site, z, y, x)
    images = {}
    for contrast in contrasts:
        signal = tissue_signal(contrast, fractions, lesion, oedema, subject.jitter)
        ci = CONTRASTS.index(contrast)
        stream = [subject.seed, subject.subject_id, NOISE_STREAM, timepoint, ci]
        rngs = [np.random.default_rng([*stream, int(k)]) for k in ks]
        images[contrast] = scanner(signal, subject.site, bias, spacing[1:], rngs)
    probabilities = (fractions * (1.0 - lesion)).astype(np.float32)
    return images, lesion_mask, labels, probabilities, spacing


def slice_indices(subject: Subject, size: int, n: int, slice_range) -> list[int]:
    lo, hi = anat.brain_z_extent_mm()
    c = anat.CENTRE_RAS[2]
    lo, hi = c + (lo - c) * subject.head_scale, c + (hi - c) * subject.head_scale
    fractions = [0.5 * sum(slice_range)] if n == 1 else np.linspace(*slice_range, n)
    z_first = c - anat.FOV_MM / 2 + 0.5 * anat.FOV_MM / size
    ks = [int(round((lo + f * (hi - lo) - z_first) * size / anat.FOV_MM)) for f in fractions]
    ks = [min(max(k, 0), size - 1) for k in ks]
    if len(set(ks)) != n:
        raise ValueError(
            f"slices_per_subject={n} is more than the {len(set(ks))} distinct slices that "
            f"slice_range={tuple(slice_range)} covers at size {size}"
        )
    return ks

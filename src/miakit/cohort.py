"""A virtual multi-site brain MRI cohort with ground truth, built from the MNI template.

Each subject is the MNI ICBM152 2009 template (Fonov et al. 2009, 2011; Collins et al.
1999) seen through a smooth random transform, with optional lesions, rendered as
T1w, T2w, FLAIR and PD images by one of several simulated scanners (sites). Everything
is derived from ``(seed, subject_id)`` alone, so arrays and metadata are identical
whatever the order of calls.

The generative model (book page *The virtual cohort*):

1. **Anatomy**: template CSF/GM/WM fractions (CSF = brain mask - GM - WM), sampled at
   ``c + (p - c) / head_scale`` (head size: 1.03 for ``"M"``, 0.97 for ``"F"``, times a
   2 % random factor), pulled towards the ventricles by ``atrophy(age)`` (ventricle
   growth) with a matching fraction of GM turned into CSF (cortical thinning), then
   displaced by a random low-frequency cosine field (about 2 mm).
2. **Lesions** (label 1): either one tumour-like irregular blob (radius 6-16 mm, with
   oedema in the surrounding WM in 70 % of cases) or 3-8 small periventricular lesions
   (radius 2-4 mm). Lesion volume grows by ``growth_per_timepoint`` (1.15-1.6) at
   each time point; time points are one year apart.
3. **Contrast**: signal = sum over tissues of fraction times the tissue intensity of
   the contrast (``INTENSITY``), with a few percent subject-level jitter.
4. **Site**: in-plane Gaussian blur, smooth multiplicative bias field, gamma, intensity
   scale, then Rician noise ``|s + n1 + i n2|`` (Gudbjartsson & Patz 1995).

Arrays are (Z, Y, X): slice k runs inferior to superior, rows anterior to posterior,
columns patient right to left, so ``plt.imshow(images["T1w"][k])`` shows a radiological
axial view (anterior up, patient left on image right). The same index order is
DICOM's LPS axial convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from . import _cohort_anatomy as anat
from . import _cohort_render as rnd
from ._checks import choice, positive_int, probability
from ._cohort_export import export_dicom_series, export_nifti
from ._cohort_render import CONTRASTS, INTENSITY, SITES, SiteProfile

__all__ = [
    "CONTRASTS",
    "INTENSITY",
    "SITES",
    "TISSUE_LABELS",
    "CohortSlices",
    "CohortVolume",
    "SiteProfile",
    "Subject",
    "export_dicom_series",
    "export_nifti",
    "generate_slices",
    "make_subject",
    "render_volume",
]

TISSUE_LABELS = {0: "background", 1: "CSF", 2: "GM", 3: "WM", 4: "lesion"}
_VISIT_YEARS = 1.0
_STREAMS = {
    "anatomy": 0,
    "site": 1,
    "lesion": 2,
    "demographics": 3,
    "shape": 4,
    "noise": rnd.NOISE_STREAM,
}


def _rng(seed: int, subject_id: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, subject_id, _STREAMS[stream]])


@dataclass(frozen=True)
class Subject:
    """Anatomy, lesions and demographics of one virtual subject (no images yet).

    Use :func:`make_subject` to build one and :func:`render_volume` to image it.
    """

    subject_id: int
    seed: int
    site: str
    label: int
    age: float
    sex: str
    head_scale: float
    atrophy_rate: float
    deformation_mm: np.ndarray = field(repr=False)
    jitter: dict[str, float] = field(repr=False)
    lesions: tuple[anat.Lesion, ...] = field(repr=False)
    lesion_type: str = "none"
    growth_per_timepoint: float = 1.0

    def atrophy(self, timepoint: int = 0) -> float:
        """Ventricle expansion factor at a time point (0 below age 30)."""
        age = self.age + _VISIT_YEARS * timepoint
        return float(np.clip((age - 30.0) / 50.0, 0.0, 1.2) * self.atrophy_rate)

    def growth(self, timepoint: int = 0) -> float:
        """Linear size factor of the lesions at a time point (volume grows by ``g**t``)."""
        return float(self.growth_per_timepoint ** (timepoint / 3.0))

    def lesion_volume_mm3(self, timepoint: int = 0) -> float:
        """Model lesion volume in subject space (mm^3), before clipping to the brain."""
        growth = self.growth(timepoint)
        total = sum(lesion.volume_mm3(growth) for lesion in self.lesions)
        return float(total * self.head_scale**3)

    @property
    def metadata(self) -> dict[str, object]:
        """Subject-level metadata at time point 0."""
        return {
            "subject_id": self.subject_id,
            "site": self.site,
            "age": round(self.age, 1),
            "sex": self.sex,
            "label": self.label,
            "lesion_type": self.lesion_type,
            "n_lesions": len(self.lesions),
            "lesion_volume_mm3": self.lesion_volume_mm3(0),
            "head_scale": self.head_scale,
            "growth_per_timepoint": self.growth_per_timepoint,
            "seed": self.seed,
        }


def _pick_site(seed: int, subject_id: int, options: Sequence[str]) -> str:
    return options[int(_rng(seed, subject_id, "site").integers(len(options)))]


def _random_lesion(rng: np.random.Generator, centre: np.ndarray, radius: float, oedema: float):
    directions = rng.normal(size=(3, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return anat.Lesion(
        centre_mm=tuple(float(c) for c in centre),
        radius_mm=float(radius),
        directions=directions,
        amplitudes=rng.uniform(0.04, 0.12, size=3),
        frequencies=rng.uniform(2.0, 4.0, size=3),
        phases=rng.uniform(0, 2 * np.pi, size=3),
        oedema_ratio=float(oedema),
    )


def make_subject(
    subject_id: int,
    *,
    seed: int = 0,
    site: str | None = None,
    lesion: bool | None = None,
    prevalence: float = 0.5,
    age: float | None = None,
    sex: Literal["F", "M"] | None = None,
) -> Subject:
    """Draw the anatomy, lesions and demographics of one subject.

    Parameters
    ----------
    subject_id : int
        Non-negative identifier; with ``seed`` it fixes every random choice.
    seed : int
        Non-negative cohort seed.
    site : str or None
        A key of :data:`SITES`; ``None`` draws one uniformly.
    lesion : bool or None
        Force the label; ``None`` draws it with probability ``prevalence``.
    prevalence : float
        Probability in [0, 1] that a subject has lesions (when ``lesion`` is None).
    age : float or None
        Age in years in [18, 100]; ``None`` draws uniformly from [20, 85].
    sex : {"F", "M"} or None
        ``None`` draws with equal probability. Sex sets the mean head size.

    Returns
    -------
    Subject

    Raises
    ------
    ValueError
        If ``subject_id`` or ``seed`` is negative, ``site`` is unknown, ``prevalence`` is
        outside [0, 1], ``age`` is outside [18, 100] or ``sex`` is not "F"/"M".
    TypeError
        If ``subject_id`` or ``seed`` is not an integer.

    Notes
    -----
    Each aspect uses its own stream ``default_rng([seed, subject_id, stream])``, so
    forcing the site or the label does not change the anatomy. The label uses one
    uniform draw ``u < prevalence``: raising the prevalence only adds positives.

    Examples
    --------
    >>> s = make_subject(3, seed=1, site="B", lesion=True)
    >>> s.site, s.label, s.lesion_type in ("tumour", "multifocal")
    ('B', 1, True)
    >>> make_subject(3, seed=1, site="B", lesion=True).age == s.age
    True
    """
    subject_id = positive_int(subject_id, "subject_id", minimum=0)
    seed = positive_int(seed, "seed", minimum=0)
    prevalence = probability(prevalence, "prevalence")
    if site is None:
        site = _pick_site(seed, subject_id, sorted(SITES))
    choice(site, "site", list(SITES))
    if sex is not None:
        choice(sex, "sex", ("F", "M"))
    if age is not None and not 18.0 <= float(age) <= 100.0:
        raise ValueError(f"age must lie in [18, 100] years, got {age!r}")

    demo = _rng(seed, subject_id, "demographics")
    drawn_age, drawn_sex = demo.uniform(20.0, 85.0), ("F", "M")[int(demo.integers(2))]
    age = float(drawn_age if age is None else age)
    sex = drawn_sex if sex is None else sex
    label = int(_rng(seed, subject_id, "lesion").random() < prevalence)
    if lesion is not None:
        label = int(bool(lesion))

    rng = _rng(seed, subject_id, "anatomy")
    head_scale = (1.03 if sex == "M" else 0.97) * float(np.exp(0.02 * rng.normal()))
    freq = np.add.outer(np.add.outer(np.arange(3), np.arange(3)), np.arange(3))
    deformation = rng.normal(size=(3, 3, 3, 3)) * 2.0 / (1.0 + freq) ** 1.5
    jitter = {t: float(1.0 + 0.03 * rng.normal()) for t in rnd.TISSUES}
    atrophy_rate = float(rng.uniform(0.12, 0.3))

    shape_rng = _rng(seed, subject_id, "shape")
    deep, near_vent = anat.lesion_candidates()
    lesions: tuple[anat.Lesion, ...] = ()
    lesion_type, growth = "none", 1.0
    kind = shape_rng.random()
    if label == 1:
        growth = float(shape_rng.uniform(1.15, 1.6))
        jitter["lesion"] = float(1.0 + 0.06 * shape_rng.normal())
        if kind < 0.6:
            lesion_type = "tumour"
            centre = deep[shape_rng.integers(len(deep))] + shape_rng.uniform(-1, 1, 3)
            oedema = shape_rng.uniform(1.3, 1.8) if shape_rng.random() < 0.7 else 0.0
            lesions = (_random_lesion(shape_rng, centre, shape_rng.uniform(6, 16), oedema),)
        else:
            lesion_type = "multifocal"
            picks = shape_rng.choice(len(near_vent), size=int(shape_rng.integers(3, 9)))
            lesions = tuple(
                _random_lesion(shape_rng, near_vent[i], shape_rng.uniform(2, 4), 0.0) for i in picks
            )
    return Subject(
        subject_id, seed, site, label, age, sex, head_scale, atrophy_rate,
        deformation, jitter, lesions, lesion_type, growth,
    )  # fmt: skip


@dataclass(frozen=True)
class CohortVolume:
    """A rendered 3D subject. Arrays are (Z, Y, X); see the module notes for orientation.

    ``affine`` maps (column, row, slice) indices, i.e. the array transposed to
    (X, Y, Z), to RAS mm: the array :func:`export_nifti` writes. ``tissue_probabilities``
    holds CSF, GM, WM fractions outside the lesion (lesion fraction excluded).
    """

    images: dict[str, np.ndarray]
    lesion_mask: np.ndarray
    tissue_labels: np.ndarray
    tissue_probabilities: np.ndarray
    spacing_mm: tuple[float, float, float]
    affine: np.ndarray
    metadata: dict[str, object]


@dataclass(frozen=True)
class CohortSlices:
    """2D axial slices: ``images`` (N, C, H, W) float32 with channels in ``contrasts``."""

    images: np.ndarray
    lesion_masks: np.ndarray
    tissue_labels: np.ndarray
    metadata: pd.DataFrame
    contrasts: tuple[str, ...]
    spacing_mm: tuple[float, float]

    def __len__(self) -> int:
        return int(self.images.shape[0])


def render_volume(
    subject: Subject,
    *,
    contrasts: Sequence[str] = ("T1w",),
    shape: tuple[int, int, int] = (64, 64, 64),
    timepoint: int = 0,
) -> CohortVolume:
    """Render a subject as a 3D volume on a 192 mm cubic field of view.

    Parameters
    ----------
    subject : Subject
        From :func:`make_subject`.
    contrasts : sequence of str
        Names from :data:`CONTRASTS`.
    shape : tuple of 3 int
        Grid (Z, Y, X), each in [16, 512]; spacing is ``192 / shape`` mm.
    timepoint : int
        Visit number >= 0 (one year apart): lesions grow, atrophy advances slightly.

    Returns
    -------
    CohortVolume
        ``images`` float32 (Z, Y, X) per contrast, ``lesion_mask`` bool,
        ``tissue_labels`` uint8 (:data:`TISSUE_LABELS`), ``tissue_probabilities``
        float32 (3, Z, Y, X), ``metadata`` with ``lesion_volume_mm3`` (mask voxels times
        voxel volume) and ``timepoint``.

    Raises
    ------
    TypeError
        If ``subject`` is not a :class:`Subject` or ``timepoint`` not an integer.
    ValueError
        For an unknown contrast, a bad ``shape`` or a negative ``timepoint``.

    Examples
    --------
    >>> vol = render_volume(make_subject(0, lesion=True), shape=(32, 32, 32))
    >>> vol.images["T1w"].shape, vol.images["T1w"].dtype, vol.spacing_mm
    ((32, 32, 32), dtype('float32'), (6.0, 6.0, 6.0))
    >>> bool(vol.lesion_mask.any()), vol.metadata["label"]
    (True, 1)
    """
    if not isinstance(subject, Subject):
        raise TypeError(f"subject must be a Subject from make_subject, got {type(subject)}")
    contrasts = rnd.check_contrasts(contrasts)
    shape = rnd.check_shape(shape)
    timepoint = positive_int(timepoint, "timepoint", minimum=0)
    images, mask, labels, probs, spacing = rnd.render_slices(
        subject, shape, range(shape[0]), contrasts, timepoint
    )
    metadata = dict(subject.metadata)
    metadata.update(
        age=round(subject.age + _VISIT_YEARS * timepoint, 1),
        timepoint=timepoint,
        lesion_volume_mm3=float(mask.sum() * np.prod(spacing)),
        model_lesion_volume_mm3=subject.lesion_volume_mm3(timepoint),
        contrasts=contrasts,
    )
    return CohortVolume(images, mask, labels, probs, spacing, anat.grid_affine(shape), metadata)


def generate_slices(
    n_subjects: int,
    *,
    size: int = 128,
    slices_per_subject: int = 1,
    slice_range: tuple[float, float] = (0.35, 0.65),
    contrasts: Sequence[str] = ("T1w",),
    seed: int = 0,
    prevalence: float = 0.5,
    sites: Sequence[str] | None = None,
    timepoint: int = 0,
) -> CohortSlices:
    """Generate 2D axial slices of subjects ``0 .. n_subjects - 1`` with masks and metadata.

    Parameters
    ----------
    n_subjects : int
        Number of subjects (>= 1).
    size : int
        Height and width of each slice in [16, 512]; pixel size is ``192 / size`` mm.
    slices_per_subject : int
        Evenly spaced slices per subject within ``slice_range``.
    slice_range : tuple of float
        ``(low, high)`` with ``0 <= low < high <= 1``: fractions of the subject's brain
        axial extent (0 = lowest, 1 = top of the brain).
    contrasts : sequence of str
        Channels, from :data:`CONTRASTS`.
    seed, prevalence, timepoint
        As in :func:`make_subject` and :func:`render_volume`.
    sites : sequence of str or None
        Sites to draw from (uniformly per subject); ``None`` means all of :data:`SITES`.

    Returns
    -------
    CohortSlices
        ``images`` float32 (N, C, size, size), ``lesion_masks`` bool (N, size, size),
        ``tissue_labels`` uint8, ``metadata`` DataFrame with one row per slice: subject_id,
        slice_index, site, age, sex, label, lesion_type, lesion_volume_mm3 (model volume
        of the subject at this time point), slice_lesion_area_mm2, timepoint.

    Raises
    ------
    ValueError
        Bad sizes, prevalence outside [0, 1], unknown contrast or site, a bad
        ``slice_range`` or more slices than the range holds.

    Notes
    -----
    Slice ``k`` equals slice ``k`` of ``render_volume(..., shape=(size,) * 3)``.

    Examples
    --------
    >>> data = generate_slices(4, size=32, slices_per_subject=2, contrasts=("T1w", "FLAIR"))
    >>> data.images.shape, data.lesion_masks.dtype
    ((8, 2, 32, 32), dtype('bool'))
    >>> list(data.metadata.subject_id)
    [0, 0, 1, 1, 2, 2, 3, 3]
    """
    n_subjects = positive_int(n_subjects, "n_subjects")
    size = rnd.check_shape((size, size, size))[0]
    n_slices = positive_int(slices_per_subject, "slices_per_subject")
    contrasts = rnd.check_contrasts(contrasts)
    prevalence = probability(prevalence, "prevalence")
    timepoint = positive_int(timepoint, "timepoint", minimum=0)
    lo, hi = (float(v) for v in slice_range)
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"slice_range must satisfy 0 <= low < high <= 1, got {slice_range}")
    site_options = sorted(SITES) if sites is None else list(sites)
    if len(site_options) == 0:
        raise ValueError("sites must name at least one site, got an empty sequence")
    for name in site_options:
        choice(name, "sites", list(SITES))

    n = n_subjects * n_slices
    images = np.empty((n, len(contrasts), size, size), dtype=np.float32)
    masks = np.empty((n, size, size), dtype=bool)
    labels = np.empty((n, size, size), dtype=np.uint8)
    rows = []
    pixel_area = (anat.FOV_MM / size) ** 2
    for sid in range(n_subjects):
        site = _pick_site(seed, sid, site_options)
        subject = make_subject(sid, seed=seed, site=site, prevalence=prevalence)
        ks = rnd.slice_indices(subject, size, n_slices, (lo, hi))
        imgs, mask, lab, _, _ = rnd.render_slices(
            subject, (size, size, size), ks, contrasts, timepoint
        )
        block = slice(sid * n_slices, (sid + 1) * n_slices)
        images[block] = np.stack([imgs[c] for c in contrasts], axis=1)
        masks[block], labels[block] = mask, lab
        volume = subject.lesion_volume_mm3(timepoint)
        for j, k in enumerate(ks):
            rows.append(
                (sid, k, site, round(subject.age + _VISIT_YEARS * timepoint, 1), subject.sex,
                 subject.label, subject.lesion_type, volume,
                 float(mask[j].sum() * pixel_area), timepoint)
            )  # fmt: skip
    columns = ["subject_id", "slice_index", "site", "age", "sex", "label", "lesion_type",
               "lesion_volume_mm3", "slice_lesion_area_mm2", "timepoint"]  # fmt: skip
    metadata = pd.DataFrame(rows, columns=columns)
    return CohortSlices(images, masks, labels, metadata, contrasts, (anat.FOV_MM / size,) * 2)

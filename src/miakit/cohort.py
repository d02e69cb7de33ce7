"""A virtual multi-site brain MRI cohort with ground truth, built from the MNI template.

Each subject is the MNI ICBM152 2009 template (Fonov et al. 2009, 2011; Collins et al.
1999) seen through a smooth random transform, with optional lesions, rendered as
T1w, T2w, FLAIR and PD images by one of several simulated scanners (sites). Everything
is derived from ``(seed, subject_id)`` alone, so arrays and metadata are identical
whatever the order of calls.

The generative model (book page *The virtual cohort*):

1. **Anatomy**: template CSF/GM/WM fractions (CSF = brain mask - GM - WM), sampled at
   ``c + (p - c) / head_scale`` (head size: 1.018 for ``"M"``, 0.982 for ``"F"``, so
   mean brain volume differs by about 11 % between the sexes, times a 2 % random factor), pulled towards the ventricles by ``atrophy(age)`` (ventricle
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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _cohort_anatomy as anat
from . import _cohort_render as rnd
from ._checks import MAX_VOXELS, at_most, choice, positive_int, probability
from ._cohort_export import export_dicom_series, export_nifti
from ._cohort_render import CONTRASTS, INTENSITY, SITES, SiteProfile
from ._cohort_subject import VISIT_YEARS, Subject, make_subject, pick_site

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


_MAX_TIMEPOINT = 10
"""Last yearly visit the longitudinal model covers (lesion growth, atrophy)."""


def _check_timepoint(timepoint: int) -> int:
    timepoint = positive_int(timepoint, "timepoint", minimum=0)
    at_most(timepoint, "timepoint", _MAX_TIMEPOINT, "the longitudinal model covers 10 visits")
    return timepoint


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
        Visit number in 0..10 (one year apart): lesions grow, atrophy advances slightly.

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
        For an unknown contrast, a bad ``shape``, a ``timepoint`` outside 0..10 or one
        that would make the subject older than 100.

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
    timepoint = _check_timepoint(timepoint)
    if subject.age + VISIT_YEARS * timepoint > 100.0:
        age = subject.age + VISIT_YEARS * timepoint
        raise ValueError(f"timepoint {timepoint} makes the subject {age:.0f} years old (> 100)")
    images, mask, labels, probs, spacing = rnd.render_slices(
        subject, shape, range(shape[0]), contrasts, timepoint
    )
    metadata = dict(subject.metadata)
    metadata.update(
        age=round(subject.age + VISIT_YEARS * timepoint, 1),
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
        ``slice_range``, more slices than the range holds, a ``timepoint`` outside
        0..10, or more than 2**27 pixels in all.

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
    size = positive_int(size, "size")
    size = rnd.check_shape((size, size, size))[0]
    n_slices = positive_int(slices_per_subject, "slices_per_subject")
    seed = positive_int(seed, "seed", minimum=0)
    contrasts = rnd.check_contrasts(contrasts)
    at_most(n_subjects * n_slices * len(contrasts) * size**2, "n_subjects * slices_per_subject"
            " * len(contrasts) * size**2", MAX_VOXELS, "memory of the returned arrays")  # fmt: skip
    prevalence = probability(prevalence, "prevalence")
    timepoint = _check_timepoint(timepoint)
    try:
        lo, hi = (float(v) for v in slice_range)
    except (TypeError, ValueError):
        raise TypeError(
            f"slice_range must be two numbers (low, high), got {slice_range!r}"
        ) from None
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"slice_range must satisfy 0 <= low < high <= 1, got {slice_range}")
    if sites is not None and (isinstance(sites, str) or not isinstance(sites, Sequence)):
        raise TypeError(f"sites must be a sequence of site names or None, got {sites!r}"[:120])
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
        site = pick_site(seed, sid, site_options)
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
                (sid, k, site, round(subject.age + VISIT_YEARS * timepoint, 1), subject.sex,
                 subject.label, subject.lesion_type, volume,
                 float(mask[j].sum() * pixel_area), timepoint)
            )  # fmt: skip
    columns = ["subject_id", "slice_index", "site", "age", "sex", "label", "lesion_type",
               "lesion_volume_mm3", "slice_lesion_area_mm2", "timepoint"]  # fmt: skip
    metadata = pd.DataFrame(rows, columns=columns)
    return CohortSlices(images, masks, labels, metadata, contrasts, (anat.FOV_MM / size,) * 2)

"""A virtual chest cohort: a 3D thorax in HU, CT volumes and PA/AP radiographs with truth.

The chest counterpart of :mod:`miakit.cohort`. Everything is derived from
``(seed, subject_id)``: each aspect (anatomy, site, findings, vessels, noise) has its own
stream ``np.random.default_rng([seed, subject_id, stream, ...])``, so arrays and
metadata do not depend on the order of calls and forcing one finding leaves the rest.

The model (book page *The virtual chest cohort*):

1. **Anatomy** (:mod:`miakit._chest_anatomy`), in patient mm (x: right to left, y:
   anterior to posterior, z: inferior to superior). Body outline with a fat layer,
   shoulders and neck; two lungs (right wider, left narrower) with rounded apices, cut
   from below by paraboloid diaphragm domes, the right dome 10-25 mm higher; heart an
   oblique ellipsoid shifted to the left, sized for a drawn cardiothoracic ratio (CTR
   0.42-0.49), which carves the cardiac notch out of the left lung; aortic knob,
   descending aorta, superior vena cava; gastric bubble under the left dome; spine with
   vertebral bodies, discs and posterior arches; 12 pairs of ribs (posterior arc, lateral
   descent, anterior end, costal cartilage), clavicles, sternum, scapulae; breast shadows
   for women; a two-level pulmonary vessel tree fanning out from the hila (the lung
   texture). Size (women 7 % smaller, 4 % individual), inspiration depth (dome level),
   age (rib density falls, cartilage calcifies, the aorta unfolds) and a smooth random
   deformation of about 4 mm vary per subject.
2. **Findings** (:mod:`miakit._chest_findings`): nodules (1, or 2-5; 4-30 mm,
   log-uniform; 30 % part-solid: a ground-glass sphere of -600 HU with a solid core),
   growing in volume by a factor 1.2-2.0 per yearly visit; consolidation filling 60-100 %
   of an ellipsoidal lobar territory; pleural effusion below a meniscus-shaped fluid line
   that blunts the costophrenic angle; cardiomegaly (CTR raised by 0.09-0.17).
3. **CT** (:func:`render_chest_ct`): HU painted on a 400 mm cube, thin structures
   splatted as volume fractions, Gaussian noise.
4. **Radiograph** (:func:`simulate_radiograph`): Beer-Lambert line integrals of
   ``mu = mu_water (1 + HU / 1000)`` with ``mu_water = 0.0206 /mm`` (water at 60 keV,
   the effective energy of a filtered ~120 kVp chest beam), from a point source: each
   structure magnified by ``SID / (SID - d)`` (SID 1800 mm PA, 1000 mm AP). Then
   scatter, Poisson noise, detector blur, log transform, window, gamma and unsharp
   masking per site.

Radiograph masks follow the SCR/JSRT convention of public lung-field annotations: the
lung field is the aerated lung visible on the film, **excluding** the heart silhouette,
the mediastinum, the lung hidden below the diaphragm's upper edge and any effusion.
Images are displayed with the patient's left on the image right (columns run from the
patient's right to left), rows from head to feet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from . import _chest_ct as cct
from . import _chest_xray as xr
from ._checks import choice, positive, positive_int
from ._chest_export import export_chest_ct, export_radiograph
from ._chest_findings import DEFAULT_PREVALENCE, FINDINGS
from ._chest_subject import (
    ChestCT,
    ChestRadiograph,
    ChestRadiographs,
    ChestSubject,
    pick_site,
    stream,
)
from ._chest_subject import make_chest_subject as _make
from ._chest_xray import bounding_box, cardiothoracic_ratio

__all__ = [
    "CT_LABELS",
    "DEFAULT_PREVALENCE",
    "FINDINGS",
    "MU_WATER_PER_MM",
    "SITES",
    "ChestCT",
    "ChestRadiograph",
    "ChestRadiographs",
    "ChestSubject",
    "cardiothoracic_ratio",
    "export_chest_ct",
    "export_radiograph",
    "generate_radiographs",
    "make_chest_subject",
    "render_chest_ct",
    "simulate_radiograph",
]

CT_LABELS = cct.CT_LABELS
SITES = xr.SITES
MU_WATER_PER_MM = xr.MU_WATER_PER_MM
_VIEWS = ("PA", "AP")


def make_chest_subject(
    subject_id: int,
    *,
    seed: int = 0,
    site: str | None = None,
    findings: Sequence[str] | None = None,
    prevalence: float | dict[str, float] | None = None,
    age: float | None = None,
    sex: Literal["F", "M"] | None = None,
) -> ChestSubject:
    """Draw the anatomy, findings and demographics of one chest subject.

    Parameters
    ----------
    subject_id : int
        Non-negative identifier; with ``seed`` it fixes every random choice.
    seed : int
        Non-negative cohort seed.
    site : str or None
        A key of :data:`SITES`; ``None`` draws one uniformly.
    findings : sequence of str or None
        Force the findings present (names from :data:`FINDINGS`; ``()`` for a normal
        subject); ``None`` draws each with its prevalence.
    prevalence : float, dict or None
        Probability of each finding: one float for all, a dict by name (others keep
        :data:`DEFAULT_PREVALENCE`), or ``None`` for the defaults.
    age : float or None
        Age in years in [18, 100]; ``None`` draws uniformly from [20, 85].
    sex : {"F", "M"} or None
        ``None`` draws with equal probability.

    Returns
    -------
    ChestSubject

    Raises
    ------
    TypeError
        If ``subject_id`` or ``seed`` is not an integer, ``findings`` is a string or
        ``prevalence`` is not a float, dict or None.
    ValueError
        If ``subject_id`` or ``seed`` is negative, ``site``, ``sex`` or a finding is
        unknown, a prevalence is outside [0, 1] or ``age`` outside [18, 100].

    Examples
    --------
    >>> s = make_chest_subject(4, seed=1, findings=("nodule",), site="B")
    >>> s.site, s.labels["nodule"], s.labels["effusion"], s.metadata["n_nodules"] >= 1
    ('B', True, False, True)
    >>> make_chest_subject(4, seed=1).age == s.age  # forcing findings keeps demographics
    True
    """
    return _make(
        subject_id, seed=seed, site=site, findings=findings, prevalence=prevalence,
        age=age, sex=sex,
    )  # fmt: skip


def _check_subject(subject: object) -> ChestSubject:
    if not isinstance(subject, ChestSubject):
        raise TypeError(
            f"subject must be a ChestSubject from make_chest_subject, got {type(subject)}"
        )
    return subject


def _check_timepoint(timepoint: int) -> int:
    timepoint = positive_int(timepoint, "timepoint", minimum=0)
    if timepoint > 10:
        raise ValueError(f"timepoint must be <= 10 (yearly visits), got {timepoint}")
    return timepoint


def render_chest_ct(
    subject: ChestSubject,
    *,
    shape: tuple[int, int, int] = (128, 128, 128),
    timepoint: int = 0,
    noise_hu: float = 10.0,
) -> ChestCT:
    """Render a subject as a CT volume in HU on a 400 mm cubic field of view.

    Parameters
    ----------
    subject : ChestSubject
        From :func:`make_chest_subject`.
    shape : tuple of 3 int
        Grid (Z, Y, X), each in [16, 512]; spacing is ``400 / shape`` mm.
    timepoint : int
        Yearly visit in [0, 10] (nodules grow).
    noise_hu : float
        Standard deviation (HU, >= 0) of added white Gaussian noise.

    Returns
    -------
    ChestCT
        ``image_hu`` float32, ``labels`` uint8, metadata with the lung volumes
        (``right_lung_ml``, ``left_lung_ml``: voxels labelled lung times voxel volume).

    Raises
    ------
    TypeError
        If ``subject`` is not a :class:`ChestSubject` or ``timepoint`` not an integer.
    ValueError
        For a bad ``shape``, ``timepoint`` outside [0, 10] or a negative ``noise_hu``.

    Examples
    --------
    >>> ct = render_chest_ct(make_chest_subject(0, findings=()), shape=(48, 48, 48))
    >>> ct.image_hu.shape, ct.image_hu.dtype, round(ct.spacing_mm[0], 2)
    ((48, 48, 48), dtype('float32'), 8.33)
    >>> ct.metadata["right_lung_ml"] > ct.metadata["left_lung_ml"]
    True
    """
    subject = _check_subject(subject)
    shape = tuple(shape)
    if len(shape) != 3 or not all(
        isinstance(n, (int, np.integer)) and 16 <= n <= 512 for n in shape
    ):
        raise ValueError(f"shape must be 3 integers in [16, 512], got {shape}")
    timepoint = _check_timepoint(timepoint)
    noise_hu = positive(noise_hu, "noise_hu", allow_zero=True)
    hu, labels, spacing = cct.render(subject, shape, timepoint, noise_hu)
    voxel_ml = float(np.prod(spacing)) / 1000.0
    meta = dict(subject.metadata)
    meta.update(
        timepoint=timepoint,
        right_lung_ml=float((labels == 2).sum() * voxel_ml),
        left_lung_ml=float((labels == 3).sum() * voxel_ml),
        nodule_ml=float((labels == 6).sum() * voxel_ml),
    )
    return ChestCT(hu, labels, spacing, meta)


def _radiograph(subject: ChestSubject, size: int, view: str, timepoint: int) -> ChestRadiograph:
    site = SITES[subject.site]
    rng = stream(subject.seed, subject.subject_id, "noise", timepoint, _VIEWS.index(view))
    rotation = float(np.clip(rng.normal(0.0, site.rotation_sd_deg), -10.0, 10.0))
    geo = xr.make_geometry(subject, size, view, rotation)
    line, masks, disks = xr.project(subject, geo, timepoint, rotation)
    image, log_image, field = xr.acquire(line, geo, site, rng)
    rows = []
    for label, mask in [("right_lung", masks["lung_right"]), ("left_lung", masks["lung_left"]),
                        ("heart", masks["heart"])] + [("nodule", d) for d in disks]:  # fmt: skip
        box = bounding_box(mask)
        if box is not None:
            rows.append((label, *box))
    boxes = pd.DataFrame(rows, columns=["label", "row0", "col0", "row1", "col1"])
    ctr = cardiothoracic_ratio(masks["heart"], masks["thorax_lungs"])
    mag = float(geo.magnification(subject.thorax.lungs[0].yc))
    meta = dict(subject.metadata)
    meta.update(
        view=view, timepoint=timepoint, size=size, ctr=round(ctr, 4), rotation_deg=round(rotation, 2),
        sid_mm=geo.sid, sod_mm=round(geo.sid / mag, 1), modality=site.modality,
        photometric=site.photometric, age=round(subject.age + timepoint, 1),
    )  # fmt: skip
    return ChestRadiograph(image, line, log_image, masks, boxes, ctr, geo.pixel_mm, mag, meta)


def simulate_radiograph(
    subject: ChestSubject,
    *,
    size: int = 256,
    view: Literal["PA", "AP"] = "PA",
    timepoint: int = 0,
) -> ChestRadiograph:
    """Simulate a frontal chest radiograph of a subject at its site.

    Parameters
    ----------
    subject : ChestSubject
        From :func:`make_chest_subject`; its ``site`` sets exposure, scatter, blur,
        processing, positioning tilt and collimation (:data:`SITES`).
    size : int
        Pixels per side in [64, 1024] over a 430 mm detector.
    view : {"PA", "AP"}
        Postero-anterior (standing, SID 1800 mm, scapulae clear of the lungs) or
        antero-posterior (bedside, SID 1000 mm, the heart far from the detector and
        therefore magnified, scapulae over the lungs).
    timepoint : int
        Yearly visit in [0, 10] (nodules grow; noise and tilt are redrawn).

    Returns
    -------
    ChestRadiograph

    Raises
    ------
    TypeError
        If ``subject`` is not a :class:`ChestSubject` or ``size``/``timepoint`` not integers.
    ValueError
        For ``size`` outside [64, 1024] or not a multiple of 4, an unknown ``view`` or
        ``timepoint`` outside [0, 10].

    Examples
    --------
    >>> s = make_chest_subject(2, findings=())
    >>> pa, ap = simulate_radiograph(s, size=128), simulate_radiograph(s, size=128, view="AP")
    >>> pa.image.shape, pa.image.dtype, 0.40 <= pa.ctr <= 0.50, ap.ctr > pa.ctr
    ((128, 128), dtype('float32'), True, True)
    """
    subject = _check_subject(subject)
    size = positive_int(size, "size", minimum=64)
    if size > 1024 or size % 4:
        raise ValueError(f"size must be a multiple of 4 in [64, 1024], got {size}")
    choice(view, "view", _VIEWS)
    timepoint = _check_timepoint(timepoint)
    return _radiograph(subject, size, view, timepoint)


def generate_radiographs(
    n_subjects: int,
    *,
    size: int = 256,
    view: Literal["PA", "AP"] = "PA",
    seed: int = 0,
    prevalence: float | dict[str, float] | None = None,
    sites: Sequence[str] | None = None,
    timepoint: int = 0,
) -> ChestRadiographs:
    """One film each of subjects ``0 .. n_subjects - 1``, with masks, boxes and metadata.

    Parameters
    ----------
    n_subjects : int
        Number of subjects (>= 1).
    size, view, timepoint
        As in :func:`simulate_radiograph`.
    seed, prevalence
        As in :func:`make_chest_subject`.
    sites : sequence of str or None
        Sites to draw from (uniformly per subject); ``None`` means all of :data:`SITES`.

    Returns
    -------
    ChestRadiographs
        Film ``i`` equals ``simulate_radiograph(make_chest_subject(i, ...))``.

    Raises
    ------
    ValueError
        Bad ``n_subjects`` or ``size``, unknown ``view`` or site, an empty ``sites``,
        a prevalence outside [0, 1] or ``timepoint`` outside [0, 10].

    Examples
    --------
    >>> batch = generate_radiographs(3, size=64, prevalence={"nodule": 1.0})
    >>> batch.images.shape, batch.lung_masks.dtype, list(batch.metadata.nodule)
    ((3, 64, 64), dtype('bool'), [1, 1, 1])
    """
    n_subjects = positive_int(n_subjects, "n_subjects")
    size = positive_int(size, "size", minimum=64)
    if size > 1024 or size % 4:
        raise ValueError(f"size must be a multiple of 4 in [64, 1024], got {size}")
    choice(view, "view", _VIEWS)
    seed = positive_int(seed, "seed", minimum=0)
    timepoint = _check_timepoint(timepoint)
    options = sorted(SITES) if sites is None else list(sites)
    if len(options) == 0:
        raise ValueError("sites must name at least one site, got an empty sequence")
    for name in options:
        choice(name, "sites", list(SITES))
    images = np.empty((n_subjects, size, size), np.float32)
    lungs, hearts, nodules = (np.empty((n_subjects, size, size), bool) for _ in range(3))
    rows, boxes = [], []
    for sid in range(n_subjects):
        site = pick_site(seed, sid, options)
        subject = _make(sid, seed=seed, site=site, prevalence=prevalence)
        film = _radiograph(subject, size, view, timepoint)
        images[sid] = film.image
        lungs[sid] = film.masks["lung_right"] | film.masks["lung_left"]
        hearts[sid], nodules[sid] = film.masks["heart"], film.masks["nodules"]
        rows.append(film.metadata)
        boxes.append(film.boxes.assign(image_index=sid))
    metadata = pd.DataFrame(rows)
    box_table = pd.concat(boxes, ignore_index=True)[
        ["image_index", "label", "row0", "col0", "row1", "col1"]
    ]
    return ChestRadiographs(images, lungs, hearts, nodules, box_table, metadata)

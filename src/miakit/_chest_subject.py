"""Virtual chest subjects and the result types of miakit.chest (private; see miakit.chest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from . import _chest_findings as fnd
from ._checks import choice, positive_int
from ._chest_anatomy import Thorax, draw_thorax
from ._chest_tubes import Tubes, _sample_lung, _to_patient, draw_tubes
from ._chest_xray import SITES

__all__: list[str] = []

_STREAMS = {"anatomy": 0, "site": 1, "flags": 2, "findings": 3, "demographics": 4, "tubes": 5}
NOISE_STREAM = 6


def stream(seed: int, subject_id: int, name: str, *extra: int) -> np.random.Generator:
    """Independent generator per (seed, subject, aspect): order of calls never matters."""
    key = NOISE_STREAM if name == "noise" else _STREAMS[name]
    return np.random.default_rng([seed, subject_id, key, *extra])


@dataclass(frozen=True)
class ChestSubject:
    """Anatomy, findings and demographics of one virtual chest subject (no images yet).

    Build one with :func:`miakit.chest.make_chest_subject`; image it with
    :func:`miakit.chest.render_chest_ct` or :func:`miakit.chest.simulate_radiograph`.
    """

    subject_id: int
    seed: int
    site: str
    age: float
    sex: str
    thorax: Thorax = field(repr=False)
    tubes: tuple[Tubes, ...] = field(repr=False)
    findings: fnd.Findings = field(repr=False)

    @property
    def labels(self) -> dict[str, bool]:
        """Per-finding labels (True when present)."""
        return dict(self.findings.flags)

    def nodule_table(self, timepoint: int = 0) -> np.ndarray:
        """Nodules ``(x, y, z, diameter_mm, core_fraction)`` at a time point."""
        return self.findings.nodules.at(timepoint)

    @property
    def metadata(self) -> dict[str, object]:
        """Subject-level metadata at time point 0."""
        table = self.nodule_table(0)
        cons = self.findings.consolidation
        eff = self.findings.effusion
        return {
            "subject_id": self.subject_id,
            "seed": self.seed,
            "site": self.site,
            "age": round(self.age, 1),
            "sex": self.sex,
            **{f: int(v) for f, v in self.findings.flags.items()},
            "n_nodules": len(table),
            "nodule_diameters_mm": tuple(round(float(d), 1) for d in table[:, 3]),
            "consolidation_lobe": "none"
            if cons is None
            else f"{('right', 'left')[cons[0]]} {cons[1]}",
            "effusion_side": "none" if eff is None else ("right", "left")[eff.side],
            "inspiration": round(self.thorax.inspiration, 3),
            "scale": round(self.thorax.scale, 3),
        }


def pick_site(seed: int, subject_id: int, options: Sequence[str]) -> str:
    """A site drawn uniformly from ``options`` on the subject's own stream."""
    return options[int(stream(seed, subject_id, "site").integers(len(options)))]


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
    """Draw one subject; see :func:`miakit.chest.make_chest_subject` for the documentation."""
    subject_id = positive_int(subject_id, "subject_id", minimum=0)
    seed = positive_int(seed, "seed", minimum=0)
    prev = fnd.check_prevalence(prevalence)
    if site is None:
        site = pick_site(seed, subject_id, sorted(SITES))
    choice(site, "site", list(SITES))
    if sex is not None:
        choice(sex, "sex", ("F", "M"))
    if age is not None and not 18.0 <= float(age) <= 100.0:
        raise ValueError(f"age must lie in [18, 100] years, got {age!r}")
    demo = stream(seed, subject_id, "demographics")
    drawn_age, drawn_sex = demo.uniform(20.0, 85.0), ("F", "M")[int(demo.integers(2))]
    age = float(drawn_age if age is None else age)
    sex = drawn_sex if sex is None else sex
    flags = fnd.draw_flags(stream(seed, subject_id, "flags"), prev)
    if findings is not None:
        if isinstance(findings, str):
            raise TypeError(f"findings must be a sequence of names, got the string {findings!r}")
        for name in findings:
            choice(name, "findings", list(fnd.FINDINGS))
        flags = {name: name in findings for name in fnd.FINDINGS}
    rngs = {name: stream(seed, subject_id, "findings", i) for i, name in enumerate(fnd.FINDINGS)}
    rng = stream(seed, subject_id, "anatomy")
    ctr = float(rng.uniform(0.42, 0.49))
    cm_extra = float(rngs["cardiomegaly"].uniform(0.09, 0.17))
    thorax = draw_thorax(rng, sex, age, ctr + (cm_extra if flags["cardiomegaly"] else 0.0))
    tubes = draw_tubes(stream(seed, subject_id, "tubes"), thorax)

    def sample(r: np.random.Generator, side: int, n: int) -> np.ndarray:
        return _sample_lung(r, thorax, side, n)

    def patient(points: np.ndarray) -> np.ndarray:
        return _to_patient(thorax, Tubes("", points, np.zeros(len(points)), 0.0, 0.0)).points

    extra = cm_extra if flags["cardiomegaly"] else 0.0
    found = fnd.draw_findings(rngs, thorax, flags, sample, patient, extra)
    return ChestSubject(subject_id, seed, site, age, sex, thorax, tubes, found)


@dataclass(frozen=True)
class ChestCT:
    """A CT volume (Z, Y, X) in HU: slices inferior to superior, rows anterior to
    posterior, columns patient right to left (DICOM LPS axial order), with labels
    (:data:`CT_LABELS`), voxel spacing (mm) and metadata."""

    image_hu: np.ndarray
    labels: np.ndarray
    spacing_mm: tuple[float, float, float]
    metadata: dict[str, object]


@dataclass(frozen=True)
class ChestRadiograph:
    """One simulated film and its truth.

    ``image`` float32 (H, W) in [0, 1], displayed MONOCHROME2 (bone bright);
    ``line_integral`` the noise-free sum of mu along each ray; ``log_image`` the noisy
    ``-ln(I / I0)`` before display processing; ``masks`` bool (H, W) by name
    (``lung_right``, ``lung_left``: SCR-style lung fields; ``heart``; ``nodules``;
    ``consolidation``; ``effusion``; ``thorax_lungs``: the whole projected lungs, also
    behind the heart and below the dome); ``boxes`` one row per object (``label``,
    ``row0, col0, row1, col1``, end-exclusive pixel indices); ``ctr`` from the masks.
    ``pixel_spacing_mm`` is at the detector; divide by ``magnification`` (the lungs')
    for mm in the patient.
    """

    image: np.ndarray
    line_integral: np.ndarray
    log_image: np.ndarray
    masks: dict[str, np.ndarray]
    boxes: pd.DataFrame
    ctr: float
    pixel_spacing_mm: float
    magnification: float
    metadata: dict[str, object]


@dataclass(frozen=True)
class ChestRadiographs:
    """A batch of films: ``images`` float32 (N, H, W); ``lung_masks`` (both SCR lung
    fields), ``heart_masks``, ``nodule_masks`` bool (N, H, W); ``boxes`` with an
    ``image_index`` column; ``metadata`` one row per film."""

    images: np.ndarray
    lung_masks: np.ndarray
    heart_masks: np.ndarray
    nodule_masks: np.ndarray
    boxes: pd.DataFrame
    metadata: pd.DataFrame

    def __len__(self) -> int:
        return int(self.images.shape[0])

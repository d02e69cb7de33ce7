"""Virtual subjects of the cohort: anatomy, lesions and demographics (private).

:class:`Subject` and :func:`make_subject` are public through :mod:`miakit.cohort`,
which documents the generative model; this module draws steps 1 (anatomy) and 2
(lesions) of that model, plus the demographics, from ``(seed, subject_id)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from . import _cohort_anatomy as anat
from . import _cohort_render as rnd
from ._checks import choice, finite, flag, positive_int, probability
from ._cohort_render import SITES

__all__ = ["Subject", "make_subject"]

VISIT_YEARS = 1.0
# Mean linear head-size factor by sex: (1.018 / 0.982) ** 3 = 1.11, so male brains are
# about 11 % larger in volume, inside the 8-13 % of the meta-analysis by Ruigrok et al. (2014).
_HEAD_SCALE = {"M": 1.018, "F": 0.982}
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
        age = self.age + VISIT_YEARS * timepoint
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


def pick_site(seed: int, subject_id: int, options: Sequence[str]) -> str:
    """The site of a subject, drawn uniformly from ``options`` on its own stream."""
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
        If ``subject_id`` or ``seed`` is not an integer, ``lesion`` is not a bool or
        None, or ``age`` is not a number.

    Notes
    -----
    Each aspect uses its own stream ``default_rng([seed, subject_id, stream])``, so
    forcing the site or the label does not change the anatomy. The label uses one
    uniform draw ``u < prevalence``: raising the prevalence only adds positives.

    Examples
    --------
    >>> from miakit.cohort import make_subject
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
        site = pick_site(seed, subject_id, sorted(SITES))
    choice(site, "site", list(SITES))
    if sex is not None:
        choice(sex, "sex", ("F", "M"))
    if lesion is not None:
        lesion = flag(lesion, "lesion")  # "no" or 0.5 must not count as True
    if age is not None and not 18.0 <= finite(age, "age") <= 100.0:
        raise ValueError(f"age must lie in [18, 100] years, got {age!r}")

    demo = _rng(seed, subject_id, "demographics")
    drawn_age, drawn_sex = demo.uniform(20.0, 85.0), ("F", "M")[int(demo.integers(2))]
    age = float(drawn_age if age is None else age)
    sex = drawn_sex if sex is None else sex
    label = int(_rng(seed, subject_id, "lesion").random() < prevalence)
    if lesion is not None:
        label = int(bool(lesion))

    rng = _rng(seed, subject_id, "anatomy")
    head_scale = _HEAD_SCALE[sex] * float(np.exp(0.02 * rng.normal()))
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

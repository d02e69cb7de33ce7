"""Findings of the virtual chest cohort: nodules, consolidation, effusion, cardiomegaly.

Private; :mod:`miakit.chest` documents the model. Every finding is drawn from its own
random stream, so forcing one finding leaves the others and the anatomy unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._chest_anatomy import Ellipsoid, Thorax

__all__: list[str] = []

FINDINGS = ("nodule", "consolidation", "effusion", "cardiomegaly")
DEFAULT_PREVALENCE = {"nodule": 0.3, "consolidation": 0.15, "effusion": 0.15, "cardiomegaly": 0.15}
LOBES = {"right": ("upper", "middle", "lower"), "left": ("upper", "lower")}


@dataclass(frozen=True)
class Nodules:
    """Rows ``(x, y, z, diameter_mm, core_fraction)`` in patient mm at time point 0.

    ``core_fraction`` is 1 for a solid nodule; below 1 the nodule is part-solid, a
    ground-glass sphere with a solid core of that fraction of the diameter.
    """

    table: np.ndarray
    growth_per_timepoint: float

    def at(self, timepoint: int) -> np.ndarray:
        """The table with diameters grown by ``growth ** (t / 3)`` (volume x growth per visit)."""
        out = self.table.copy()
        out[:, 3] *= self.growth_per_timepoint ** (timepoint / 3.0)
        return out


@dataclass(frozen=True)
class Effusion:
    """Pleural fluid at the base of one lung: below ``level + rise * lateral^2`` (mm)."""

    side: int
    level: float
    rise: float


@dataclass(frozen=True)
class Findings:
    """The findings of one subject (absent ones are ``None`` or empty)."""

    flags: dict[str, bool]
    nodules: Nodules
    consolidation: tuple[int, str, Ellipsoid] | None
    effusion: Effusion | None
    cardiomegaly_extra: float


def check_prevalence(prevalence: object) -> dict[str, float]:
    """Validate a prevalence mapping (missing keys take :data:`DEFAULT_PREVALENCE`)."""
    if prevalence is None:
        return dict(DEFAULT_PREVALENCE)
    if isinstance(prevalence, (int, float)) and not isinstance(prevalence, bool):
        value = float(prevalence)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"prevalence must lie in [0, 1], got {prevalence!r}")
        return dict.fromkeys(FINDINGS, value)
    if not isinstance(prevalence, dict):
        raise TypeError(f"prevalence must be a float, a dict or None, got {type(prevalence)}")
    out = dict(DEFAULT_PREVALENCE)
    for key, value in prevalence.items():
        if key not in FINDINGS:
            raise ValueError(f"prevalence keys must be in {list(FINDINGS)}, got {key!r}")
        if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"prevalence[{key!r}] must lie in [0, 1], got {value!r}")
        out[key] = float(value)
    return out


def draw_flags(rng: np.random.Generator, prevalence: dict[str, float]) -> dict[str, bool]:
    """One uniform draw per finding: raising a prevalence only adds positives."""
    u = rng.random(len(FINDINGS))
    return {name: bool(u[i] < prevalence[name]) for i, name in enumerate(FINDINGS)}


def _lobe_region(th: Thorax, side: int, lobe: str, frac: float) -> Ellipsoid:
    lung = th.lungs[side]
    top, ax, ay = lung.dome_top, lung.ax, lung.ay
    centre, axes = {
        "upper": ((lung.xc, lung.yc - 0.1 * ay, lung.zc + 0.25 * lung.az), (0.8, 55.0, 0.7)),
        "middle": ((lung.xc, lung.yc - 0.55 * ay, top + 35.0), (0.8, 30.0, 0.45)),
        "lower": ((lung.xc, lung.yc + 0.45 * ay, top + 20.0), (0.85, 55.0, 0.55)),
    }[lobe]
    return Ellipsoid(centre, frac * axes[0] * ax, frac * axes[1] * th.scale, frac * axes[2] * ay)


def draw_findings(
    rngs: dict[str, np.random.Generator],
    th: Thorax,
    flags: dict[str, bool],
    sample_lung,
    to_patient,
    cardiomegaly_extra: float,
) -> Findings:
    """Draw the findings whose flag is set, each from its own generator in ``rngs``.

    ``sample_lung(rng, side, n)`` gives points inside a lung (model space) and
    ``to_patient(points)`` moves them to patient space.
    """
    rng = rngs["nodule"]
    table = np.zeros((0, 5))
    growth = float(rng.uniform(1.2, 2.0))
    n_nodules = 1 if rng.random() < 0.6 else int(rng.integers(2, 6))
    if flags["nodule"]:
        sides = rng.integers(0, 2, n_nodules)
        diam = np.exp(rng.uniform(np.log(4.0), np.log(30.0), n_nodules))
        core = np.where(rng.random(n_nodules) < 0.3, rng.uniform(0.3, 0.6, n_nodules), 1.0)
        centres = np.stack([sample_lung(rng, int(side), 1)[0] for side in sides])
        table = np.column_stack([to_patient(centres), diam, core])
    rng = rngs["consolidation"]
    side_c, lobe_u, frac = int(rng.integers(0, 2)), rng.random(), float(rng.uniform(0.6, 1.0))
    consolidation = None
    if flags["consolidation"]:
        lobes = LOBES[("right", "left")[side_c]]
        lobe = lobes[int(lobe_u * len(lobes))]
        consolidation = (side_c, lobe, _lobe_region(th, side_c, lobe, frac))
    rng = rngs["effusion"]
    side_e, height, rise = int(rng.integers(0, 2)), float(rng.uniform(15, 60)), rng.uniform(10, 25)
    effusion = None
    if flags["effusion"]:
        lung = th.lungs[side_e]
        base = lung.zd + lung.hd * (1.0 - 1.0 / 1.12**2)
        effusion = Effusion(side_e, base + height * th.scale, float(rise) * th.scale)
    return Findings(flags, Nodules(table, growth), consolidation, effusion, cardiomegaly_extra)


def nodule_chords(table: np.ndarray, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
    """Chord lengths (K, ...) through each nodule sphere and its solid core at (x, z)."""
    shape = (len(table),) + np.shape(x)
    outer, core = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    for k, (cx, _, cz, d, f) in enumerate(table):
        r2 = (x - cx) ** 2 + (z - cz) ** 2
        outer[k] = 2.0 * np.sqrt(np.clip((0.5 * d) ** 2 - r2, 0.0, None))
        core[k] = 2.0 * np.sqrt(np.clip((0.5 * d * f) ** 2 - r2, 0.0, None))
    return outer, core


def effusion_mask(th: Thorax, eff: Effusion, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Columns (x, z) of the lung below the fluid line (meniscus higher laterally)."""
    lung = th.lungs[eff.side]
    lateral = np.clip((x - lung.xc) / lung.ax * (-1.0 if eff.side == 0 else 1.0), 0.0, 1.0)
    return z < eff.level + eff.rise * lateral**2

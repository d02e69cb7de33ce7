"""Projection radiographs of the virtual thorax (private; documented in miakit.chest).

Line integrals of mu are sums of interval lengths times attenuation differences (see
:mod:`miakit._chest_anatomy`), each structure projected from a point source with its own
magnification ``M = SID / (SID - d)``, ``d`` its distance from the detector.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import gaussian_filter

from . import _chest_findings as fnd
from ._checks import as_mask
from ._chest_anatomy import HU, interval_overlap, scapula_thickness

if TYPE_CHECKING:  # pragma: no cover
    from ._chest_subject import ChestSubject

__all__: list[str] = []

MU_WATER_PER_MM = 0.0206  # water at 60 keV (NIST XCOM: 0.206 cm^2/g x 1 g/cm^3)
DETECTOR_MM = 430.0
GEOMETRY = {"PA": 1800.0, "AP": 1000.0}  # source-image distance, mm


@dataclass(frozen=True)
class ChestSite:
    """Acquisition and processing of one site's radiographs.

    ``equalisation``: fraction of a 25 mm blur of the log image subtracted before the
    window (dynamic-range compression of CR/DX processing); ``fluence_per_mm2``: photons per mm^2 reaching the detector without the patient;
    ``scatter_fraction``: scatter added as this fraction of a broad blur of the primary
    (about 0.2 with an anti-scatter grid, 0.6 without); ``blur_mm``: detector point
    spread (Gaussian sigma); ``gamma`` and ``unsharp`` (amount, sigma_mm): display
    processing; ``rotation_sd_deg``: positioning tilt; ``collimation``: fraction of the
    field shuttered on each side; ``photometric``: export convention.
    """

    modality: str
    equalisation: float
    fluence_per_mm2: float
    scatter_fraction: float
    blur_mm: float
    gamma: float
    unsharp: tuple[float, float]
    rotation_sd_deg: float
    collimation: float
    photometric: str


SITES = {
    "A": ChestSite("DX", 0.6, 3.0e4, 0.2, 0.3, 1.0, (0.6, 6.0), 1.5, 0.03, "MONOCHROME2"),
    "B": ChestSite("CR", 0.7, 1.5e4, 0.25, 0.6, 0.8, (1.2, 4.0), 2.5, 0.07, "MONOCHROME1"),
    "C": ChestSite("DX", 0.4, 1.0e4, 0.6, 0.4, 1.25, (0.4, 10.0), 4.0, 0.05, "MONOCHROME2"),
    "D": ChestSite("CR", 0.5, 2.0e4, 0.3, 0.8, 0.9, (0.8, 8.0), 2.0, 0.1, "MONOCHROME1"),
}


def mu(hu: float) -> float:
    """Linear attenuation (1/mm) of a material of ``hu`` at the effective energy."""
    return MU_WATER_PER_MM * (1.0 + hu / 1000.0)


@dataclass
class Geometry:
    """Detector grid and point-source geometry of one film."""

    view: str
    size: int
    sid: float
    y_detector: float
    z_centre: float
    u: np.ndarray
    v: np.ndarray

    @property
    def pixel_mm(self) -> float:
        return DETECTOR_MM / self.size

    def magnification(self, y: float | np.ndarray) -> np.ndarray:
        d = np.abs(np.asarray(y, dtype=np.float32) - self.y_detector)
        return self.sid / (self.sid - d)

    def coords(self, y: float) -> tuple[np.ndarray, np.ndarray]:
        """Patient (x, z) seen by each pixel for a structure at depth ``y``."""
        m = float(self.magnification(y))
        return self.u / m, self.z_centre + (self.v - self.z_centre) / m

    def splat(self, points: np.ndarray, weights: np.ndarray, sigma_mm: float) -> np.ndarray:
        """Project points (weights in mm^3 x 1/mm) to pixels, blurred by sigma_mm."""
        m = self.magnification(points[:, 1])
        u = points[:, 0] * m
        v = self.z_centre + (points[:, 2] - self.z_centre) * m
        n, px = self.size, self.pixel_mm
        col = np.floor((u - self.u0) / px).astype(np.int64)
        row = np.floor((self.v0 - v) / px).astype(np.int64)
        ok = (col >= 0) & (col < n) & (row >= 0) & (row < n)
        flat = np.bincount(row[ok] * n + col[ok], weights=(weights * m * m)[ok], minlength=n * n)
        image = (flat / (px * px)).reshape(n, n).astype(np.float32)
        return gaussian_filter(image, sigma_mm / px, truncate=2.5)

    def window(self, y: float, x0: float, x1: float, z0: float, z1: float) -> tuple[slice, slice]:
        """Pixel rows and columns that can see the patient box at depth ``y`` (+ margin)."""
        m = float(self.magnification(y))
        xs, zs = np.array([x0, x1, x0, x1]) - 12.0, np.array([z0, z0, z1, z1]) - 12.0
        xs, zs = np.append(xs, xs + 24.0), np.append(zs, zs + 24.0)
        c, r = xs * m, (zs - self.z_centre) * m
        cos, sin = np.cos(self.angle), np.sin(self.angle)
        cc, rr = c * cos + r * sin, -c * sin + r * cos
        px, n = self.pixel_mm, self.size
        cols = np.clip(np.floor((cc + DETECTOR_MM / 2) / px + [[-2], [2]]), 0, n).astype(int)
        rows = np.clip(np.floor((DETECTOR_MM / 2 - rr) / px + [[-2], [2]]), 0, n).astype(int)
        return slice(rows[0].min(), rows[1].max() + 1), slice(cols[0].min(), cols[1].max() + 1)

    u0: float = 0.0
    v0: float = 0.0
    angle: float = 0.0


def make_geometry(subject: ChestSubject, size: int, view: str, rotation_deg: float) -> Geometry:
    th = subject.thorax
    px = DETECTOR_MM / size
    centres = (np.arange(size, dtype=np.float32) + 0.5) * px - DETECTOR_MM / 2
    z_centre = -10.0 * th.scale
    cols, rows = np.meshgrid(centres, -centres, indexing="xy")
    cos, sin = float(np.cos(np.deg2rad(rotation_deg))), float(np.sin(np.deg2rad(rotation_deg)))
    u = (cols * cos - rows * sin).astype(np.float32)
    v = (z_centre + cols * sin + rows * cos).astype(np.float32)
    if view == "PA":
        y_det = th.body_yc - th.body_b - 5.0 - (30.0 * th.scale if th.breasts else 0.0)
    else:
        y_det = th.body_yc + th.body_b + 5.0
    geo = Geometry(view, size, GEOMETRY[view], y_det, z_centre, u, v)
    # unrotated grid origin, for splatting (rotation applied to the points instead)
    geo.u0, geo.v0 = -DETECTOR_MM / 2, z_centre + DETECTOR_MM / 2
    geo.angle = float(np.deg2rad(rotation_deg))
    return geo


def _rotate_points(points: np.ndarray, geo: Geometry, rotation_deg: float) -> np.ndarray:
    """Rotate points in the coronal plane about the central ray by ``-rotation``."""
    if rotation_deg == 0.0:
        return points
    a = np.deg2rad(-rotation_deg)
    x, z = points[:, 0], points[:, 2] - geo.z_centre
    out = points.copy()
    out[:, 0] = x * np.cos(a) - z * np.sin(a)
    out[:, 2] = geo.z_centre + x * np.sin(a) + z * np.cos(a)
    return out


def _ellipsoid_box(e) -> tuple[float, float, float, float]:
    w, h = e.half_width_x(), e.half_height_z()
    return e.centre[0] - w, e.centre[0] + w, e.centre[2] - h, e.centre[2] + h


def project(subject: ChestSubject, geo: Geometry, timepoint: int, rotation_deg: float):
    """Noise-free line integral (dimensionless) and the truth masks of one film.

    Each structure is evaluated only inside the pixel window that can see it.
    """
    th, found = subject.thorax, subject.findings
    soft, lung_mu = mu(HU["soft"]), mu(HU["lung"])
    # the smooth deformation varies slowly: evaluate it once, at the lungs' depth
    dx, dz = th.displacement(*geo.coords(th.lungs[0].yc))

    def model(y: float, win=(slice(None), slice(None))) -> tuple[np.ndarray, np.ndarray]:
        x, z = geo.coords(y)
        return x[win] + dx[win], z[win] + dz[win]

    def box(y: float, x0: float, x1: float, z0: float, z1: float):
        win = geo.window(y, x0, x1, z0, z1)
        return win, *model(y, win)

    # body and fat layer
    x, z = model(th.body_yc)
    o0, o1, i0, i1 = th.body_intervals(x, z)
    total = soft * (o1 - o0) + (mu(HU["fat"]) - soft) * ((o1 - o0) - (i1 - i0))
    empty = np.zeros(total.shape, dtype=bool)
    # breasts and stomach gas, each in its own window
    for e, hu in [(b, "breast") for b in th.breasts] + [(th.stomach, "air")]:
        win, ex, ez = box(e.centre[1], *_ellipsoid_box(e))
        e0, e1 = e.interval(ex, ez)
        if hu == "breast":
            total[win] += mu(HU[hu]) * ((e1 - e0) - interval_overlap(e0, e1, o0[win], o1[win]))
        else:
            total[win] += (mu(HU[hu]) - soft) * (e1 - e0)
    # lungs minus the heart and mediastinum; the heart at its own magnification
    hwin, hx, hz = box(th.heart.centre[1], *_ellipsoid_box(th.heart))
    h0, h1 = th.heart.interval(hx, hz)
    heart_mask = empty.copy()
    heart_mask[hwin] = h1 > h0
    masks = {"heart": heart_mask, "effusion": empty.copy(), "consolidation": empty.copy()}
    lung_any = empty.copy()
    for side, lung in zip(("right", "left"), th.lungs, strict=True):
        lo_x, hi_x = lung.xc - lung.ax, lung.xc + lung.ax
        lwin, lx, lz = box(lung.yc, lo_x, hi_x, lung.zd - 5.0, lung.apex)
        a0, a1, b0, b1 = lung.intervals(lx, lz)
        length = (a1 - a0) + (b1 - b0)
        for e in th.mediastinum:
            m0, m1 = e.interval(lx, lz)
            length -= interval_overlap(a0, a1, m0, m1) + interval_overlap(b0, b1, m0, m1)
        full = np.zeros(total.shape, np.float32)
        full[lwin] = length
        ha0, ha1, hb0, hb1 = lung.intervals(hx, hz)
        full[hwin] -= interval_overlap(ha0, ha1, h0, h1) + interval_overlap(hb0, hb1, h0, h1)
        length = np.clip(full[lwin], 0.0, None)
        present = length > 0.5
        lung_any[lwin] |= present
        field = present & (lz > lung.silhouette_z(lx)) & ~heart_mask[lwin]
        eff = found.effusion
        if eff is not None and th.lungs[eff.side] is lung:
            wet = fnd.effusion_mask(th, eff, lx, lz) & present
            total[lwin] += (mu(HU["fluid"]) - lung_mu) * length * wet
            masks["effusion"][lwin] = wet
            field &= ~wet
        cons = found.consolidation
        if cons is not None and th.lungs[cons[0]] is lung:
            c0, c1 = cons[2].interval(lx, lz)
            solid = interval_overlap(a0, a1, c0, c1) + interval_overlap(b0, b1, c0, c1)
            total[lwin] += (mu(HU["consolidation"]) - lung_mu) * solid
            masks["consolidation"][lwin] = solid > 2.0
        total[lwin] += (lung_mu - soft) * length
        masks[f"lung_{side}"] = empty.copy()
        masks[f"lung_{side}"][lwin] = field
    masks["thorax_lungs"] = lung_any
    # nodules, each at its own magnification
    nodule_mask, disks = empty.copy(), []
    for row in subject.nodule_table(timepoint):
        r = 0.5 * float(row[3])
        win = geo.window(float(row[1]), row[0] - r, row[0] + r, row[2] - r, row[2] + r)
        nx, nz = geo.coords(float(row[1]))
        outer, core = fnd.nodule_chords(row[None], nx[win], nz[win])
        part = row[4] < 1.0
        total[win] += (mu(HU["ground_glass" if part else "nodule"]) - lung_mu) * outer[0]
        if part:
            total[win] += (mu(HU["nodule"]) - mu(HU["ground_glass"])) * core[0]
        disk = empty.copy()
        disk[win] = outer[0] > 0
        nodule_mask |= disk
        disks.append(disk)
    masks["nodules"] = nodule_mask
    # spine (a central band) and scapulae
    swin, sx, sz = box(th.spine_y, -30.0 * th.scale, 30.0 * th.scale, -250.0, 250.0)
    v0, v1, r0, r1 = th.spine_intervals(sx, sz)
    total[swin] += (mu(HU["vertebra"]) - soft) * (v1 - v0) + (mu(HU["scapula"]) - soft) * (r1 - r0)
    apex, yb = th.lungs[0].apex, th.body_yc + th.body_b - 20.0
    bwin, bx, bz = box(yb, -200.0, 200.0, apex - 150.0 * th.scale, apex + 20.0)
    total[bwin] += (mu(HU["scapula"]) - soft) * scapula_thickness(th, bx, bz, geo.view)
    # thin structures: bones and airways (relative to soft tissue), vessels (to lung)
    groups: dict[bool, list] = {False: [], True: []}
    for tube in subject.tubes:
        ref = lung_mu if tube.name == "vessels" else soft
        groups[tube.name == "vessels"].append((tube, tube.volume_mm3 * (mu(tube.hu) - ref)))
    for members in groups.values():
        points = np.concatenate([t.points for t, _ in members])
        weights = np.concatenate([w for _, w in members])
        total += geo.splat(
            _rotate_points(points, geo, rotation_deg), weights, members[0][0].sigma_mm
        )
    return np.clip(total, 0.0, None).astype(np.float32), masks, disks


@lru_cache(maxsize=8)
def _upsample_weights(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices and weights of linear 4x upsampling from n // 4 to n samples."""
    pos = np.clip((np.arange(n) + 0.5 - 2.0) / 4.0, 0.0, n // 4 - 1.0)
    lo = np.floor(pos).astype(int)
    return lo, np.minimum(lo + 1, n // 4 - 1), (pos - lo).astype(np.float32)


def _smooth(image: np.ndarray, sigma_mm: float, px: float) -> np.ndarray:
    """Gaussian blur; wide kernels run on a 4x coarser grid, then linear upsampling."""
    if sigma_mm / px < 4.0:
        return gaussian_filter(image, sigma_mm / px, truncate=3.0)
    n = image.shape[0]
    small = image.reshape(n // 4, 4, n // 4, 4).mean(axis=(1, 3))
    small = gaussian_filter(small, sigma_mm / (4 * px), truncate=3.0, mode="nearest")
    lo, hi, w = _upsample_weights(n)
    rows = small[lo] * (1.0 - w[:, None]) + small[hi] * w[:, None]
    return rows[:, lo] * (1.0 - w) + rows[:, hi] * w


def acquire(line_integral: np.ndarray, geo: Geometry, site: ChestSite, rng: np.random.Generator):
    """Scatter, quantum noise, detector blur, log transform and display processing.

    Expected counts ``N0 (exp(-P) + f S)`` with ``S`` a 60 mm blur of the primary; Poisson
    counts; detector blur; ``-ln(counts / N0)``; window between the 0.5th and 99.5th
    percentiles of the open field after subtracting ``equalisation`` times a 25 mm blur
    (dynamic-range compression); gamma; unsharp masking; shuttered border shown white.
    """
    px, n = geo.pixel_mm, line_integral.shape[0]
    primary = np.exp(-line_integral)
    scatter = _smooth(primary, 60.0, px)
    n0 = site.fluence_per_mm2 * px * px
    counts = rng.poisson(n0 * (primary + site.scatter_fraction * scatter)).astype(np.float32)
    if site.blur_mm / px > 0.25:
        counts = gaussian_filter(counts, site.blur_mm / px, truncate=3.0)
    log_image = -np.log(np.maximum(counts, 0.5) / n0)
    edge = int(round(site.collimation * n))
    field = np.zeros((n, n), dtype=bool)
    field[edge : n - edge, edge : n - edge] = True
    sample = log_image[edge : n - edge : 2, edge : n - edge : 2]
    shown = log_image - site.equalisation * (_smooth(log_image, 25.0, px) - float(sample.mean()))
    sample = shown[edge : n - edge : 2, edge : n - edge : 2]
    lo, hi = np.percentile(sample, [0.5, 99.5])
    x = np.clip((shown - lo) / max(float(hi - lo), 1e-6), 0.0, 1.0) ** site.gamma
    amount, sigma_mm = site.unsharp
    x = np.clip(x + amount * (x - _smooth(x, sigma_mm, px)), 0.0, 1.0)
    x[~field] = 1.0
    return x.astype(np.float32), log_image.astype(np.float32), field


def cardiothoracic_ratio(heart_mask: np.ndarray, lungs_mask: np.ndarray) -> float:
    """Cardiothoracic ratio of a frontal film from masks.

    Parameters
    ----------
    heart_mask, lungs_mask : ndarray of bool, shape (H, W)
        The heart silhouette and the projected lungs (outer lung edges define the
        internal thoracic width).

    Returns
    -------
    float
        Widest horizontal extent of the heart divided by that of the lungs (column
        extents, as a reader measures on the film); NaN if either mask is empty.

    Raises
    ------
    ValueError
        If the masks are not binary 2D arrays of the same shape.

    Examples
    --------
    >>> heart = np.zeros((4, 10), bool); heart[2, 4:8] = True
    >>> lungs = np.zeros((4, 10), bool); lungs[1, 1:9] = True
    >>> from miakit.chest import cardiothoracic_ratio
    >>> cardiothoracic_ratio(heart, lungs)
    0.5
    """
    heart, lungs = (
        as_mask(heart_mask, "heart_mask", ndim=2),
        as_mask(lungs_mask, "lungs_mask", ndim=2),
    )
    if heart.shape != lungs.shape:
        raise ValueError(
            f"lungs_mask shape {lungs.shape} does not match heart_mask shape {heart.shape}"
        )
    hc, lc = np.flatnonzero(heart.any(axis=0)), np.flatnonzero(lungs.any(axis=0))
    if len(hc) == 0 or len(lc) == 0:
        return float("nan")
    return float((hc[-1] - hc[0] + 1) / (lc[-1] - lc[0] + 1))


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(row0, col0, row1, col1)`` of a mask, end-exclusive; None when empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return None
    return int(rows[0]), int(cols[0]), int(rows[-1] + 1), int(cols[-1] + 1)

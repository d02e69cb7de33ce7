"""CT volumes of the virtual thorax in HU (private; documented in miakit.chest)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import gaussian_filter

from . import _chest_findings as fnd
from ._chest_anatomy import FOV_MM, HU, scapula_thickness

if TYPE_CHECKING:  # pragma: no cover
    from ._chest_subject import ChestSubject

__all__: list[str] = []

CT_LABELS = {
    0: "outside",
    1: "soft tissue",
    2: "right lung",
    3: "left lung",
    4: "heart",
    5: "bone",
    6: "nodule",
    7: "consolidation",
    8: "effusion",
}
_BONES = ("ribs", "clavicles", "sternum")


def grid(shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """Voxel-centre coordinates (z, y, x) in mm of a cubic field of view ``FOV_MM``."""
    axes = [((np.arange(n, dtype=np.float32) + 0.5) * FOV_MM / n - FOV_MM / 2) for n in shape]
    spacing = tuple(FOV_MM / n for n in shape)
    return axes[0], axes[1], axes[2], spacing


def _splat3d(points, weights, shape, spacing, sigma_mm) -> np.ndarray:
    """Volume fraction of a point cloud on the grid, blurred by sigma_mm."""
    idx = np.floor(points[:, ::-1] / np.asarray(spacing) + np.asarray(shape) / 2).astype(np.int64)
    ok = np.all((idx >= 0) & (idx < np.asarray(shape)), axis=1)
    flat = np.ravel_multi_index(idx[ok].T, shape)
    vol = np.bincount(flat, weights=weights[ok], minlength=int(np.prod(shape)))
    frac = (vol / float(np.prod(spacing))).reshape(shape).astype(np.float32)
    sigma = [max(sigma_mm / s, 0.3) for s in spacing]
    return np.clip(gaussian_filter(frac, sigma, truncate=2.0), 0.0, 1.0)


def render(subject: ChestSubject, shape: tuple[int, int, int], timepoint: int, noise_hu: float):
    """HU volume (Z, Y, X) float32, labels uint8 and spacing of one subject."""
    th, found = subject.thorax, subject.findings
    zs, ys, xs, spacing = grid(shape)
    zz, xx = np.meshgrid(zs, xs, indexing="ij")
    x, z = th.deform(xx, zz)
    y = ys[None, :, None]

    def inside(y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
        return (y >= y0[:, None, :]) & (y < y1[:, None, :])

    hu = np.full(shape, HU["air"], dtype=np.float32)
    labels = np.zeros(shape, dtype=np.uint8)

    def paint(mask: np.ndarray, value: float, label: int | None) -> None:
        hu[mask] = value
        if label is not None:
            labels[mask] = label

    o0, o1, i0, i1 = th.body_intervals(x, z)
    paint(inside(o0, o1), HU["fat"], 1)
    paint(inside(i0, i1), HU["soft"], 1)
    for breast in th.breasts:
        b0, b1 = breast.interval(x, z)
        paint(inside(b0, b1) & (hu < HU["fat"] + 1), HU["breast"], 1)
    paint(inside(*th.stomach.interval(x, z)), HU["air"], 1)
    lungs = []
    for k, lung in enumerate(th.lungs):
        a0, a1, b0, b1 = lung.intervals(x, z)
        mask = inside(a0, a1) | inside(b0, b1)
        paint(mask, HU["lung"], 2 + k)
        lungs.append(mask)
    for e in th.mediastinum:
        paint(inside(*e.interval(x, z)), HU["blood"], 1)
    paint(inside(*th.heart.interval(x, z)), HU["blood"], 4)
    lung_now = (labels == 2) | (labels == 3)
    if found.effusion is not None:
        wet = fnd.effusion_mask(th, found.effusion, x, z)[:, None, :]
        paint(lung_now & (labels == 2 + found.effusion.side) & wet, HU["fluid"], 8)
    if found.consolidation is not None:
        side, _, region = found.consolidation
        paint(inside(*region.interval(x, z)) & (labels == 2 + side), HU["consolidation"], 7)
    table = subject.nodule_table(timepoint)
    for cx, cy, cz, d, f in table:
        r2 = (xx - cx) ** 2 + (zz - cz) ** 2
        half = np.sqrt(np.clip((0.5 * d) ** 2 - r2, 0.0, None))
        core = np.sqrt(np.clip((0.5 * d * f) ** 2 - r2, 0.0, None))
        paint(inside(cy - half, cy + half), HU["ground_glass" if f < 1 else "nodule"], 6)
        if f < 1:
            paint(inside(cy - core, cy + core), HU["nodule"], 6)
    v0, v1, r0, r1 = th.spine_intervals(x, z)
    paint(inside(v0, v1), HU["vertebra"], 5)
    paint(inside(r0, r1), HU["scapula"], 5)
    thick = scapula_thickness(th, x, z, "PA")
    ys_ = th.body_yc + th.body_b - 20.0
    paint(inside(ys_ - thick / 2, ys_ + thick / 2) & (thick[:, None, :] > 0), HU["scapula"], 5)
    for tube in subject.tubes:
        frac = _splat3d(tube.points, tube.volume_mm3, shape, spacing, tube.sigma_mm)
        hu += frac * (tube.hu - hu)
        if tube.name in _BONES:
            labels[frac > 0.5] = 5
    if noise_hu > 0:
        rng = np.random.default_rng([subject.seed, subject.subject_id, 7, timepoint])
        hu += rng.normal(0.0, noise_hu, size=shape).astype(np.float32)
    return hu, labels, spacing

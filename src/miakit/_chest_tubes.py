"""Thin structures of the virtual thorax as point clouds along centre lines (private).

Ribs with costal cartilage, clavicles, sternum, trachea with main bronchi and the
pulmonary vessel tree are sampled as points, each carrying the volume it stands for
(cross-section times spacing, mm^3). The CT splats these volumes into voxels and the
radiograph into detector pixels, followed by a Gaussian of about the tube's radius; so
both images carry the same mass of bone, air and blood per structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._chest_anatomy import HU, Thorax

__all__: list[str] = []


@dataclass(frozen=True)
class Tubes:
    """Points ``(n, 3)`` in patient mm, volume per point (mm^3), HU, blur radius (mm)."""

    name: str
    points: np.ndarray
    volume_mm3: np.ndarray
    hu: float
    sigma_mm: float


def _polyline(knots: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points evenly spaced in parameter along a piecewise-linear path, and steps."""
    t = np.linspace(0.0, 1.0, len(knots))
    u = np.linspace(0.0, 1.0, n)
    pts = np.stack([np.interp(u, t, knots[:, k]) for k in range(3)], axis=1)
    step = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    return pts, np.append(step, step[-1])


def _ribs(th: Thorax) -> tuple[Tubes, Tubes]:
    """12 pairs: bony arcs from the spine round to the costochondral junction, then cartilage.

    Rib ``k`` leaves the spine at ``rib_levels[k]``, rises about 20 mm to the lateral
    wall and drops about 70 mm by the front (``z = z_k + 25 sin(1.4 phi) - 160 (phi /
    pi)^2.5``, ``phi`` the angle from the back), following the inner rib cage; ribs 11-12 are short (floating), the cartilage of
    ribs 8-10 turns upwards to the costal margin.
    """
    s, k = th.scale, np.arange(12)[:, None]
    depth, yc = th.lungs[0].ay + 10.0 * s, th.lungs[0].yc
    out = []
    for lo, hi, n in ((0.22, 0.72 * np.pi, 70), (0.72 * np.pi, 0.93 * np.pi, 24)):
        phi = np.linspace(lo, hi, n)[None, :]
        rise = 25.0 * s * np.sin(np.clip(1.4 * phi, 0.0, np.pi))
        z = th.rib_levels[:, None] + rise - 160.0 * s * (phi / np.pi) ** 2.5
        if n == 24:
            z = z + (phi - lo) * 40.0 * s * np.clip(k - 6, 0, None)
            keep = np.broadcast_to(k < 10, z.shape)
        else:
            keep = (k < 10) | (phi <= 0.45 * np.pi)
        radius = np.broadcast_to((4.5 + 0.15 * k) * s * (0.9 if n == 24 else 1.0), z.shape)
        width = th.cage_half_width(z.astype(np.float32)) + radius
        pts, vols = [], []
        for sign in (-1.0, 1.0):
            p = np.stack([sign * width * np.sin(phi), yc + depth * np.cos(phi) + 0 * z, z], -1)
            step = np.linalg.norm(np.gradient(p, axis=1), axis=-1)
            pts.append(p[keep])
            vols.append((np.pi * 1.3 * radius**2 * step)[keep])
        out.append((np.concatenate(pts), np.concatenate(vols)))
    (bone, bone_v), (cart, cart_v) = out
    return (
        Tubes("ribs", bone, bone_v, th.bone_hu, 3.0 * s),
        Tubes("cartilage", cart, cart_v, th.cartilage_hu, 3.5 * s),
    )


def _clavicles_sternum(th: Thorax) -> tuple[Tubes, Tubes]:
    s, apex = th.scale, th.lungs[0].apex
    front = th.body_yc - th.body_b
    pts, vols = [], []
    for sign in (-1.0, 1.0):
        knots = np.array(
            [[22, front + 25, apex - 25], [70, front + 20, apex - 12],
             [120, front + 45, apex + 2], [160, front + 80, apex + 15]]
        ) * np.array([sign * s, 1.0, 1.0])  # fmt: skip
        p, step = _polyline(knots, 90)
        pts.append(p)
        vols.append(np.pi * (6.5 * s) ** 2 * step)
    clavicles = Tubes("clavicles", np.concatenate(pts), np.concatenate(vols), th.bone_hu, 3.5 * s)
    top, bottom = apex - 28 * s, th.lungs[0].dome_top - 10 * s
    p, step = _polyline(np.array([[0, front + 18, top], [0, front + 14, bottom]]), 60)
    sternum = Tubes("sternum", p, np.pi * 9.0 * s * 5.0 * s * step, HU["vertebra"] + 150, 3.5 * s)
    return clavicles, sternum


def _airways(th: Thorax) -> Tubes:
    s = th.scale
    carina = np.array([-3.0 * s, 5.0 * s, th.mediastinum[0].centre[2] - 22 * s])
    p, step = _polyline(np.array([[-3.0 * s, -5 * s, 260.0], carina]), 120)
    pts, vols = [p], [np.pi * (8.5 * s) ** 2 * step]
    for hilum, shrink in zip(th.hila, (0.6, 0.75), strict=True):
        end = carina + shrink * (np.asarray(hilum) - carina)
        p, step = _polyline(np.stack([carina, end]), 30)
        pts.append(p)
        vols.append(np.pi * (6.0 * s) ** 2 * step)
    return Tubes("airways", np.concatenate(pts), np.concatenate(vols), HU["air"], 3.5 * s)


def _sample_lung(rng: np.random.Generator, th: Thorax, side: int, n: int) -> np.ndarray:
    lung = th.lungs[side]
    lo = np.array([lung.xc - lung.ax, lung.yc - lung.ay, lung.zd])
    hi = np.array([lung.xc + lung.ax, lung.yc + lung.ay, lung.apex])
    found = np.empty((0, 3))
    while len(found) < n:
        cand = rng.uniform(lo, hi, size=(4 * n, 3))
        keep = lung.contains(cand) & ~_in_soft(th, cand)
        found = np.concatenate([found, cand[keep]])
    return found[:n]


def _in_soft(th: Thorax, pts: np.ndarray) -> np.ndarray:
    inside = np.zeros(len(pts), dtype=bool)
    for e in (th.heart, *th.mediastinum):
        y0, y1 = e.interval(pts[:, 0], pts[:, 2])
        inside |= (pts[:, 1] >= y0) & (pts[:, 1] < y1)
    return inside


def _tree(rng: np.random.Generator, th: Thorax) -> tuple[np.ndarray, np.ndarray]:
    """Two-level tree per lung: hilum -> 10 segmental branches -> 300 peripheral twigs."""
    pts_all, vol_all = [], []
    n_line = 24
    t = np.linspace(0.0, 1.0, n_line)[None, :, None]
    for side in (0, 1):
        hilum = np.asarray(th.hila[side], dtype=float)
        targets = _sample_lung(rng, th, side, 300)
        seg_far = _sample_lung(rng, th, side, 10)
        segs = hilum + rng.uniform(0.35, 0.5, (10, 1)) * (seg_far - hilum)
        owner = np.argmin(((targets[:, None] - segs[None]) ** 2).sum(-1), axis=1)
        for start, end, r0, r1 in (
            (hilum + rng.normal(0.0, 8.0, (10, 3)) * th.scale, segs, 4.0, 2.6),
            (segs[owner] + rng.normal(0.0, 7.0, targets.shape) * th.scale, targets, 2.2, 0.6),
        ):
            bend = (
                rng.normal(0.0, 0.06, (len(end), 1, 3))
                * np.linalg.norm(end - start, axis=1)[:, None, None]
            )
            line = start[:, None] + t * (end - start)[:, None] + np.sin(np.pi * t) * bend
            radius = (r0 + (r1 - r0) * t[..., 0]) * th.scale
            step = np.linalg.norm(end - start, axis=1)[:, None] / (n_line - 1)
            pts_all.append(line.reshape(-1, 3))
            vol_all.append((np.pi * radius**2 * step).ravel())
    return np.concatenate(pts_all), np.concatenate(vol_all)


def _lung_frame(th: Thorax) -> np.ndarray:
    """Per lung: centre and half-extent (x, y, z) mapping the lung box to [-1, 1]^3."""
    rows = []
    for lung in th.lungs:
        zmid, zhalf = 0.5 * (lung.apex + lung.zd), 0.5 * (lung.apex - lung.zd)
        rows.append([[lung.xc, lung.yc, zmid], [lung.ax, lung.ay, zhalf]])
    return np.asarray(rows)


@lru_cache(maxsize=1)
def _tree_library() -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
    """Eight vessel trees grown in reference thoraces, in normalised lung coordinates.

    Growing a tree needs rejection sampling inside the lungs (tens of ms); a subject
    instead takes one of these trees, stretched to its own lungs (a one-off cost).
    """
    from ._chest_anatomy import draw_thorax

    library = []
    for k in range(8):
        rng = np.random.default_rng([20_261_202, k])
        ref = draw_thorax(rng, "M", 50.0, 0.45)
        pts, vols = _tree(rng, ref)
        frame = _lung_frame(ref)
        side = (pts[:, 0] > 0).astype(int)
        unit = (pts - frame[side, 0]) / frame[side, 1]
        library.append((unit, vols / np.prod(frame[side, 1], axis=1), side))
    return tuple(library)


def _vessels(rng: np.random.Generator, th: Thorax) -> Tubes:
    """One library tree mapped onto this subject's lungs, clipped to lung minus heart."""
    unit, unit_vol, side = _tree_library()[int(rng.integers(8))]
    frame = _lung_frame(th)
    pts = unit * frame[side, 1] + frame[side, 0]
    vols = unit_vol * np.prod(frame[side, 1], axis=1)
    right = pts[:, 0] < 0
    inside = np.empty(len(pts), dtype=bool)
    inside[right] = th.lungs[0].contains(pts[right])
    inside[~right] = th.lungs[1].contains(pts[~right])
    y0, y1 = th.heart.interval(pts[:, 0], pts[:, 2])
    keep = inside & ~((pts[:, 1] >= y0) & (pts[:, 1] < y1))
    return Tubes("vessels", pts[keep], vols[keep], HU["blood"], 1.2 * th.scale)


def _to_patient(th: Thorax, tubes: Tubes) -> Tubes:
    """Move model-space points to patient space (first-order inverse of the field)."""
    p = tubes.points.astype(np.float32)
    x, z = th.deform(p[:, 0], p[:, 2])
    moved = np.stack([2 * p[:, 0] - x, p[:, 1], 2 * p[:, 2] - z], axis=1).astype(np.float32)
    return Tubes(tubes.name, moved, tubes.volume_mm3.astype(np.float32), tubes.hu, tubes.sigma_mm)


def draw_tubes(rng: np.random.Generator, th: Thorax) -> tuple[Tubes, ...]:
    """All thin structures of a thorax, in patient coordinates."""
    ribs, cartilage = _ribs(th)
    clavicles, sternum = _clavicles_sternum(th)
    tubes = (ribs, cartilage, clavicles, sternum, _airways(th), _vessels(rng, th))
    return tuple(_to_patient(th, t) for t in tubes)

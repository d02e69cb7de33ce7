"""Analytic thorax of the virtual chest cohort (private; documented in miakit.chest).

Patient coordinates in mm: ``x`` runs from the patient's right to left, ``y`` from
anterior to posterior and ``z`` from inferior to superior; the origin is near the centre
of the chest. Every organ is described per column ``(z, x)`` by the interval(s) of ``y``
it occupies, so one description serves both the CT (is this voxel's ``y`` inside the
interval?) and the radiograph (how long is the interval? - the line integral along the
postero-anterior beam). Thin structures (ribs, vessels, airways) are point clouds along
centre lines; see :mod:`miakit._chest_tubes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

__all__: list[str] = []

FOV_MM = 400.0
# Hounsfield units of the materials (coarse-voxel averages, see the book page).
HU = {
    "air": -1000.0,
    "lung": -870.0,
    "fat": -100.0,
    "soft": 40.0,
    "breast": -20.0,
    "blood": 40.0,
    "fluid": 10.0,
    "nodule": 30.0,
    "ground_glass": -600.0,
    "consolidation": 25.0,
    "vertebra": 250.0,
    "cortical": 900.0,
    "cartilage": 120.0,
    "scapula": 500.0,
}


@dataclass(frozen=True)
class Ellipsoid:
    """An ellipsoid rotated by ``angle`` (rad) in the coronal (x, z) plane.

    ``a`` is the semi-axis along the rotated x direction, ``b`` along the rotated z
    direction, ``c`` along y (the beam).
    """

    centre: tuple[float, float, float]
    a: float
    b: float
    c: float
    angle: float = 0.0

    def interval(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``y`` interval ``(y0, y1)`` inside the ellipsoid (``y0 == y1`` outside)."""
        cx, cy, cz = self.centre
        cos, sin = float(np.cos(self.angle)), float(np.sin(self.angle))
        dx, dz = x - cx, z - cz
        q = ((dx * cos + dz * sin) / self.a) ** 2 + ((-dx * sin + dz * cos) / self.b) ** 2
        half = self.c * np.sqrt(np.clip(1.0 - q, 0.0, None))
        return cy - half, cy + half

    def half_width_x(self) -> float:
        """Half of the ellipsoid's extent along x (its projected half-width)."""
        return float(np.hypot(self.a * np.cos(self.angle), self.b * np.sin(self.angle)))

    def half_height_z(self) -> float:
        """Half of the ellipsoid's extent along z."""
        return float(np.hypot(self.a * np.sin(self.angle), self.b * np.cos(self.angle)))


@dataclass(frozen=True)
class Lung:
    """One lung: an ellipse in x with a rounded apex, cut from below by a dome.

    Inside when ``((x-xc)/ax)^2 + (max(z-zc, 0)/az)^2 + ((y-yc)/ay)^2 < 1`` and above the
    paraboloid diaphragm ``z_d = zd + hd (1 - ((x-xc)/wx)^2 - ((y-yd)/wy)^2)``.
    """

    side: str
    xc: float
    yc: float
    zc: float
    ax: float
    ay: float
    az: float
    zd: float
    hd: float
    wx: float
    wy: float
    yd: float

    @property
    def dome_top(self) -> float:
        """Height of the dome's summit (the hemidiaphragm on a PA film), mm."""
        return self.zd + self.hd

    @property
    def apex(self) -> float:
        return self.zc + self.az

    def lateral_x(self) -> float:
        """x of the lung's lateral edge (negative for the right lung)."""
        return self.xc - self.ax if self.side == "right" else self.xc + self.ax

    def intervals(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
        """Two ``y`` intervals ``(a0, a1, b0, b1)``, anterior and posterior of the dome."""
        q = ((x - self.xc) / self.ax) ** 2 + (np.clip(z - self.zc, 0.0, None) / self.az) ** 2
        half = self.ay * np.sqrt(np.clip(1.0 - q, 0.0, None))
        y0, y1 = self.yc - half, self.yc + half
        s = 1.0 - ((x - self.xc) / self.wx) ** 2 - (z - self.zd) / self.hd
        cut = self.wy * np.sqrt(np.clip(s, 0.0, None))
        a1 = np.minimum(y1, self.yd - cut)
        b0 = np.maximum(y0, self.yd + cut)
        return y0, np.maximum(a1, y0), np.minimum(b0, y1), y1

    def silhouette_z(self, x: np.ndarray) -> np.ndarray:
        """Height of the dome's upper edge seen on a frontal film, per x."""
        return self.zd + self.hd * (1.0 - ((x - self.xc) / self.wx) ** 2)

    def contains(self, point: np.ndarray) -> np.ndarray:
        """Which of the points (n, 3) lie inside the lung."""
        x, y, z = point[:, 0], point[:, 1], point[:, 2]
        a0, a1, b0, b1 = self.intervals(x, z)
        return ((y >= a0) & (y < a1)) | ((y >= b0) & (y < b1))


@dataclass(frozen=True)
class Thorax:
    """All anatomical parameters of one subject (drawn by :func:`draw_thorax`)."""

    scale: float
    inspiration: float
    wall_mm: float
    fat_mm: float
    body_yc: float
    body_b: float
    lungs: tuple[Lung, Lung]
    heart: Ellipsoid
    mediastinum: tuple[Ellipsoid, ...]
    stomach: Ellipsoid
    breasts: tuple[Ellipsoid, ...]
    spine_y: float
    rib_levels: np.ndarray = field(repr=False)
    bone_hu: float = 900.0
    cartilage_hu: float = 120.0
    deformation: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((2, 3, 3)))
    hila: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0, 0, 0), (0, 0, 0))
    body_table: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(repr=False, default=None)

    def displacement(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The smooth random field ``(dx, dz)`` (mm): 3 x 3 cosines over the field of view."""
        ax = np.pi * (np.asarray(x, dtype=np.float32) + 200.0) / FOV_MM
        az = np.pi * (np.asarray(z, dtype=np.float32) + 200.0) / FOV_MM
        c1x, c1z = np.cos(ax), np.cos(az)
        cx = (1.0, c1x, 2.0 * c1x * c1x - 1.0)
        cz = (1.0, c1z, 2.0 * c1z * c1z - 1.0)
        out = []
        for field_ in self.deformation:
            rows = [sum(float(field_[i, j]) * cz[j] for j in range(3)) for i in range(3)]
            out.append(rows[0] + cx[1] * rows[1] + cx[2] * rows[2])
        return out[0], out[1]

    def deform(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map patient (x, z) to model coordinates through the smooth random field."""
        dx, dz = self.displacement(x, z)
        return x + dx, z + dz

    def cage_half_width(self, z: np.ndarray) -> np.ndarray:
        """Inner half-width of the rib cage (lateral lung edge + 6 mm) at height z."""
        out = np.zeros_like(np.asarray(z, dtype=np.float32))
        for lung in self.lungs:
            u = np.clip(np.clip(z - lung.zc, 0.0, None) / lung.az, 0.0, 1.0)
            extent = np.abs(lung.xc) + lung.ax * np.sqrt(1.0 - u**2)
            out = np.maximum(out, extent)
        return out + 6.0

    def body_axes(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Half-width and half-depth of the body outline at height z (mm), from a table."""
        if self.body_table is None:
            return self.body_axes_exact(z)
        zt, width, depth = self.body_table
        return np.interp(z, zt, width).astype(np.float32), np.interp(z, zt, depth).astype(
            np.float32
        )

    def body_axes_exact(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Half-width and half-depth of the body outline at height z (mm)."""
        s, apex = self.scale, self.lungs[0].apex
        z = np.asarray(z, dtype=np.float32)
        zz = np.minimum(z, apex - 15.0)
        trunk = self.cage_half_width(zz) + 8.0 + self.wall_mm
        knots = apex + np.array([-70.0, -25.0, 15.0, 40.0, 60.0]) * s
        shoulder = np.interp(z, knots, np.array([0.0, 190.0, 180.0, 60.0, 55.0]) * s)
        top = np.interp(z, knots[2:], np.array([1.0, 0.0, 0.0]))
        width = np.maximum(trunk * top, shoulder).astype(np.float32)
        depth = self.body_b * np.interp(z, knots[1:], [1.0, 0.75, 0.5, 0.45])
        return np.maximum(width, 1.0), depth.astype(np.float32)

    def body_intervals(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
        """Outer body interval and the inner (under the fat layer) interval."""
        width, depth = self.body_axes(z)
        h = depth * np.sqrt(np.clip(1.0 - (x / width) ** 2, 0.0, None))
        wi, di = np.maximum(width - self.fat_mm, 1.0), np.maximum(depth - self.fat_mm, 1.0)
        hi = di * np.sqrt(np.clip(1.0 - (x / wi) ** 2, 0.0, None))
        yc = self.body_yc
        return yc - h, yc + h, yc - hi, yc + hi

    def vertebrae(self) -> np.ndarray:
        """Rows ``(z_low, z_high, radius)`` of the vertebral bodies, discs between."""
        step = float(self.rib_levels[0] - self.rib_levels[1])
        levels = np.concatenate(
            [self.rib_levels[0] + step * np.arange(4, 0, -1), self.rib_levels,
             self.rib_levels[-1] - step * np.arange(1, 4)]
        )  # fmt: skip
        radius = self.scale * np.clip(13.0 + 1.0 * np.arange(len(levels)) - 3.0, 10.0, 25.0)
        return np.stack([levels - 0.4 * step, levels + 0.4 * step, radius], axis=1)

    def spine_intervals(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
        """Vertebral body interval and the posterior arch (pedicles + lamina) interval."""
        rows = self.vertebrae()
        zi = np.clip(np.searchsorted(rows[:, 0], z) - 1, 0, len(rows) - 1)
        z0, z1, r = rows[zi, 0], rows[zi, 1], rows[zi, 2]
        inside = (z >= z0) & (z < z1)
        half = np.where(inside, np.sqrt(np.clip(r**2 - x**2, 0.0, None)), 0.0)
        yv = self.spine_y
        arch_r = 0.45 * r
        upper = inside & (z > z0 + 0.35 * (z1 - z0))
        arch = np.where(
            upper, np.sqrt(np.clip(arch_r**2 - (np.abs(x) - 0.75 * r) ** 2, 0.0, None)), 0.0
        )
        ya = yv + 1.4 * r
        return yv - half, yv + half, ya - arch, ya + arch


def interval_overlap(a0, a1, b0, b1) -> np.ndarray:
    """Length of the intersection of intervals ``[a0, a1]`` and ``[b0, b1]``."""
    return np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0.0, None)


def draw_thorax(rng: np.random.Generator, sex: str, age: float, ctr: float) -> Thorax:
    """Draw one thorax; ``ctr`` is the intended cardiothoracic ratio (parallel beam)."""
    s = (1.0 if sex == "M" else 0.93) * float(np.exp(0.04 * rng.normal()))
    insp = float(rng.uniform(0.55, 1.0))
    g = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    med = 28.0 * s
    apex = 125.0 * s
    dome_r = (-55.0 - 45.0 * insp) * s
    dome_l = dome_r - g(10.0, 25.0) * s
    ay, yc, az = g(80.0, 90.0) * s, 10.0 * s, 140.0 * s
    lungs = []
    for side, ax, dome in (("right", g(60, 66) * s, dome_r), ("left", g(54, 59) * s, dome_l)):
        xc = -(med + ax) if side == "right" else med + ax
        hd = g(40.0, 50.0) * s
        lungs.append(
            Lung(side, xc, yc, apex - az, ax, ay, az, dome - hd, hd, 1.12 * ax, 1.1 * ay, yc - 8)
        )
    right, left = lungs
    thoracic_width = left.xc + left.ax - (right.xc - right.ax)
    half_w = 0.5 * ctr * thoracic_width
    angle = np.deg2rad(g(30.0, 45.0) + 10.0 * (1.0 - insp))
    ratio = g(0.68, 0.78)
    a = half_w / np.hypot(np.cos(angle), ratio * np.sin(angle))
    heart0 = Ellipsoid(
        (0.0, 0.0, 0.0), a, ratio * a, g(58.0, 66.0) * s * max(1.0, ctr / 0.47), angle
    )
    right_border = -med - g(8.0, 22.0) * s
    xh = right_border + heart0.half_width_x()
    zh = dome_l - 12.0 * s + heart0.half_height_z()
    heart = Ellipsoid((xh, -25.0 * s, zh), heart0.a, heart0.b, heart0.c, angle)
    top = zh + heart.half_height_z()
    unfold = 1.0 + 0.006 * max(age - 40.0, 0.0)
    knob_z = top + 30.0 * s
    knob = Ellipsoid((34.0 * s * unfold, 10.0 * s, knob_z), 16 * s * unfold, 15 * s, 16 * s)
    descending = Ellipsoid(
        (20.0 * s, 50.0 * s, 0.5 * (knob_z + dome_l)), 12 * s, 0.5 * (knob_z - dome_l), 12 * s
    )
    hila = ((-55.0 * s, 0.0, top - 5 * s), (50.0 * s, 5.0 * s, top + 5 * s))
    arteries = tuple(Ellipsoid(h, 9.0 * s, 20.0 * s, 10.0 * s) for h in hila)
    svc = Ellipsoid((-28.0 * s, -10.0 * s, top + 25 * s), 13 * s, 40 * s, 14 * s)
    stomach = Ellipsoid((70.0 * s, 0.0, dome_l - 35.0 * s), g(25, 40) * s, g(12, 20) * s, 30 * s)
    breasts: tuple[Ellipsoid, ...] = ()
    body_b = g(112.0, 125.0) * s
    if sex == "F":
        size = g(0.6, 1.2)
        breasts = tuple(
            Ellipsoid((sgn * 100 * s, 10 * s - body_b - 10 * size, dome_r + 25 * s),
                      75 * s * size, 55 * s * size, 40 * s * size)
            for sgn in (-1.0, 1.0)
        )  # fmt: skip
    step = 24.0 * s
    ribs = apex - 12.0 * s - step * np.arange(12)
    freq = np.add.outer(np.arange(3), np.arange(3))
    deformation = rng.normal(size=(2, 3, 3)) * 4.0 / (1.0 + freq) ** 1.5
    thorax = Thorax(
        scale=s, inspiration=insp, wall_mm=g(18, 30) * s, fat_mm=g(6, 18) * s,
        body_yc=10.0 * s, body_b=body_b, lungs=(right, left), heart=heart,
        mediastinum=(knob, descending, svc, *arteries), stomach=stomach, breasts=breasts,
        spine_y=yc + ay - 30.0 * s, rib_levels=ribs,
        bone_hu=HU["cortical"] - 4.0 * max(age - 30.0, 0.0),
        cartilage_hu=HU["cartilage"] + 3.0 * max(age - 30.0, 0.0),
        deformation=deformation.astype(np.float32), hila=hila,
    )  # fmt: skip
    zt = np.linspace(-300.0, 300.0, 1201, dtype=np.float32)
    return replace(thorax, body_table=(zt, *thorax.body_axes_exact(zt)))


def scapula_thickness(th: Thorax, x: np.ndarray, z: np.ndarray, view: str) -> np.ndarray:
    """Bone thickness (mm) of both scapulae seen along y: triangular plates.

    In a PA film the arms are rotated forward so the scapulae clear the lung fields; in
    an AP (supine, bedside) film they overlie the upper lateral lungs.
    """
    s, apex = th.scale, th.lungs[0].apex
    medial = (118.0 if view == "PA" else 78.0) * s
    ax_, az_ = abs(np.asarray(x)), np.asarray(z)
    p0 = (medial, apex + 10 * s)
    p1 = (medial + 22 * s, apex - 135 * s)
    p2 = (medial + 60 * s, apex - 5 * s)
    den = (p1[1] - p2[1]) * (p0[0] - p2[0]) + (p2[0] - p1[0]) * (p0[1] - p2[1])
    w0 = ((p1[1] - p2[1]) * (ax_ - p2[0]) + (p2[0] - p1[0]) * (az_ - p2[1])) / den
    w1 = ((p2[1] - p0[1]) * (ax_ - p2[0]) + (p0[0] - p2[0]) * (az_ - p2[1])) / den
    w2 = 1.0 - w0 - w1
    inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
    rim = np.clip(1.0 - np.minimum(np.minimum(w0, w1), w2) / 0.08, 0.0, 1.0)
    return np.where(inside, (4.0 + 8.0 * rim) * s, 0.0).astype(np.float32)

"""Geometry and anatomy of the virtual cohort (private; see :mod:`miakit.cohort`).

Coordinates are RAS millimetres of the MNI ICBM152 2009 template. A subject is the
template seen through a smooth transform (head size, age-related ventricle growth,
random low-frequency deformation) with lesions defined in template space, so lesions
move with the anatomy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import ndimage

from .datasets import load_mni152

__all__: list[str] = []

FOV_MM = 192.0
"""Side of the cubic field of view (mm) shared by every output grid."""
CENTRE_RAS = np.array([0.0, -17.0, 5.0])
"""Centre of the field of view in RAS mm (centre of the template brain's bounding box)."""
VENTRICLE_CENTRE_RAS = np.array([0.0, -10.0, 14.0])
"""Where age-related expansion is centred (between the lateral ventricles)."""
VENTRICLE_RADIUS_MM = 28.0
N_BASIS = 3
"""Cosine basis functions per axis for deformation and bias fields."""
_TEMPLATE_SPACING_MM = 2.0


@dataclass(frozen=True)
class Lesion:
    """One lesion in template space: an irregular blob with optional oedema."""

    centre_mm: tuple[float, float, float]
    radius_mm: float
    directions: np.ndarray  # (3, 3) unit vectors of the shape harmonics
    amplitudes: np.ndarray  # (3,) relative radius modulation
    frequencies: np.ndarray  # (3,)
    phases: np.ndarray  # (3,)
    oedema_ratio: float  # oedema radius / lesion radius; 0 means no oedema

    def radius_at(self, unit: np.ndarray, growth: float) -> np.ndarray:
        """Boundary radius (mm) along unit vectors of shape (N, 3)."""
        proj = unit @ self.directions.T
        wobble = np.cos(proj * self.frequencies + self.phases) @ self.amplitudes
        return self.radius_mm * growth * (1.0 + wobble)

    def volume_mm3(self, growth: float) -> float:
        """Volume of the blob (template mm^3): (4 pi / 3) times the mean of R(u)^3."""
        radius = self.radius_at(_sphere_directions(), growth)
        return float(4.0 * np.pi / 3.0 * np.mean(radius**3))

    def max_extent_mm(self, growth: float) -> float:
        ratio = max(self.oedema_ratio, 1.0)
        return float(self.radius_mm * growth * (1.0 + np.abs(self.amplitudes).sum()) * ratio)


@lru_cache(maxsize=1)
def _sphere_directions(n: int = 2000) -> np.ndarray:
    """Fibonacci lattice of ``n`` near-uniform unit vectors, shape (n, 3)."""
    i = np.arange(n) + 0.5
    phi = np.arccos(1 - 2 * i / n)
    theta = np.pi * (1 + 5**0.5) * i
    out = np.stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)], axis=1)
    out.setflags(write=False)  # cached: shared by every caller
    return out


@lru_cache(maxsize=1)
def template_maps() -> tuple[np.ndarray, np.ndarray]:
    """CSF, GM, WM fractions as float32 (3, z, y, x) and the template origin (RAS mm)."""
    mni = load_mni152(2)
    maps = np.stack([mni.csf, mni.gm, mni.wm]).transpose(0, 3, 2, 1)
    maps = np.ascontiguousarray(maps, dtype=np.float32)
    maps.setflags(write=False)
    origin = np.asarray(mni.affine[:3, 3], dtype=float)
    return maps, origin


@lru_cache(maxsize=8)
def smoothed_maps(spacing_mm: float) -> np.ndarray:
    """Template maps low-pass filtered for a coarser output grid (anti-aliasing)."""
    maps, _ = template_maps()
    ratio = spacing_mm / _TEMPLATE_SPACING_MM
    if ratio <= 1.05:
        return maps
    sigma = 0.5 * np.sqrt(ratio**2 - 1.0)
    out = ndimage.gaussian_filter(maps, sigma=(0, sigma, sigma, sigma))
    out.setflags(write=False)
    return out


@lru_cache(maxsize=1)
def lesion_candidates() -> tuple[np.ndarray, np.ndarray]:
    """Template points (RAS mm) in deep WM for tumours and periventricular WM for small lesions."""
    maps, origin = template_maps()
    wm = maps[2]
    z_mm = origin[2] + _TEMPLATE_SPACING_MM * np.arange(wm.shape[0])
    band = ((z_mm > -12) & (z_mm < 32))[:, None, None]
    deep = ndimage.binary_erosion((wm > 0.8) & band, iterations=3)
    near_vent = ndimage.binary_dilation(maps[0] > 0.6, iterations=4) & (wm > 0.7) & band
    out = []
    for region in (deep, near_vent):
        zyx = np.argwhere(region)
        xyz = zyx[:, ::-1] * _TEMPLATE_SPACING_MM + origin
        out.append(xyz)
    return out[0], out[1]


def brain_z_extent_mm() -> tuple[float, float]:
    """Lowest and highest z (RAS mm) of the template brain."""
    maps, origin = template_maps()
    zs = np.flatnonzero(maps.sum(axis=0).max(axis=(1, 2)) > 0.5)
    return float(origin[2] + 2 * zs[0]), float(origin[2] + 2 * zs[-1])


def grid_axes(shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RAS coordinates (mm) of slices (z), rows (y) and columns (x) of an output grid.

    Rows run anterior to posterior, columns patient right to left (radiological display),
    slices inferior to superior.
    """
    nz, ny, nx = shape
    half = FOV_MM / 2
    z = CENTRE_RAS[2] - half + (np.arange(nz) + 0.5) * FOV_MM / nz
    y = CENTRE_RAS[1] + half - (np.arange(ny) + 0.5) * FOV_MM / ny
    x = CENTRE_RAS[0] + half - (np.arange(nx) + 0.5) * FOV_MM / nx
    return z, y, x


def grid_affine(shape: tuple[int, int, int]) -> np.ndarray:
    """4x4 affine from (column, row, slice) indices to RAS mm (the NIfTI convention)."""
    nz, ny, nx = shape
    z, y, x = grid_axes(shape)
    affine = np.diag([-FOV_MM / nx, -FOV_MM / ny, FOV_MM / nz, 1.0])
    affine[:3, 3] = (x[0], y[0], z[0])
    return affine


def cosine_basis(coord_mm: np.ndarray, axis: int) -> np.ndarray:
    """Low-frequency cosine basis over the field of view, shape (N_BASIS, len(coord))."""
    u = (coord_mm - (CENTRE_RAS[axis] - FOV_MM / 2)) / FOV_MM
    k = np.arange(N_BASIS)[:, None]
    return np.cos(np.pi * k * u[None, :])


def basis_field(coef: np.ndarray, z: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Evaluate sum_abc coef[..., a, b, c] Bz[a] By[b] Bx[c] on a grid; shape (..., Z, Y, X)."""
    bz, by, bx = cosine_basis(z, 2), cosine_basis(y, 1), cosine_basis(x, 0)
    along_x = coef @ bx  # (..., a, b, X)
    along_y = by.T @ along_x  # (..., a, Y, X)
    lead = along_y.shape[:-3]
    flat = along_y.reshape(*lead, N_BASIS, -1)
    return (bz.T @ flat).reshape(*lead, len(z), len(y), len(x))


def template_points(
    z: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    *,
    head_scale: float,
    atrophy: float,
    deformation_mm: np.ndarray,
) -> np.ndarray:
    """Map output-grid points to template RAS mm; returns (3, Z, Y, X) in (x, y, z) order."""
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    pts = np.stack([xx, yy, zz])
    centre = CENTRE_RAS[:, None, None, None]
    q = centre + (pts - centre) / head_scale
    if atrophy > 0:
        vc = VENTRICLE_CENTRE_RAS[:, None, None, None]
        d = q - vc
        weight = np.exp(-(d**2).sum(axis=0) / (2 * VENTRICLE_RADIUS_MM**2))
        q = q - atrophy * d * weight
    return q + basis_field(deformation_mm, z, y, x)


@lru_cache(maxsize=8)
def _channels_last(spacing_mm: float) -> np.ndarray:
    maps = smoothed_maps(spacing_mm)
    table = np.ascontiguousarray(np.moveaxis(maps, 0, -1)).reshape(-1, 3)
    table.setflags(write=False)  # cached: shared by every caller
    return table


def sample_tissues(points_mm: np.ndarray, spacing_mm: float) -> np.ndarray:
    """Trilinear samples of CSF, GM, WM fractions at template points; (3, Z, Y, X) float32.

    Equivalent to ``scipy.ndimage.map_coordinates(..., order=1)`` inside the template
    (tested), but gathers the three maps at once, which is about twice as fast.
    """
    spacing_mm = round(spacing_mm, 3)
    maps, origin = template_maps()
    dims = np.array(maps.shape[1:])
    table = _channels_last(spacing_mm)
    idx = (points_mm[::-1].reshape(3, -1) - origin[::-1, None]) / _TEMPLATE_SPACING_MM
    idx = np.clip(idx, 0, (dims - 1.001)[:, None])
    base = idx.astype(np.intp)
    frac = (idx - base).astype(np.float32)
    strides = np.array([dims[1] * dims[2], dims[2], 1])
    flat = strides @ base
    out = np.zeros((flat.size, 3), dtype=np.float32)
    for dz in (0, 1):
        wz = frac[0] if dz else 1 - frac[0]
        for dy in (0, 1):
            wzy = wz * (frac[1] if dy else 1 - frac[1])
            for dx in (0, 1):
                w = wzy * (frac[2] if dx else 1 - frac[2])
                offset = dz * strides[0] + dy * strides[1] + dx
                out += w[:, None] * table[flat + offset]
    return np.clip(out.T.reshape(3, *points_mm.shape[1:]), 0, 1)


def lesion_fractions(
    lesions: tuple[Lesion, ...], points_mm: np.ndarray, growth: float, edge_mm: float
) -> tuple[np.ndarray, np.ndarray]:
    """Partial-volume lesion and oedema fractions in [0, 1] at template points."""
    shape = points_mm.shape[1:]
    flat = points_mm.reshape(3, -1).T
    lesion = np.zeros(flat.shape[0], dtype=np.float32)
    oedema = np.zeros(flat.shape[0], dtype=np.float32)
    for item in lesions:
        reach = item.max_extent_mm(growth) + edge_mm
        diff = flat - np.asarray(item.centre_mm)
        near = np.flatnonzero(np.all(np.abs(diff) < reach, axis=1))
        if near.size == 0:
            continue
        d = diff[near]
        rho = np.sqrt((d**2).sum(axis=1))
        unit = d / np.maximum(rho, 1e-6)[:, None]
        radius = item.radius_at(unit, growth)
        core = np.clip((radius - rho) / edge_mm + 0.5, 0, 1)
        lesion[near] = np.maximum(lesion[near], core)
        if item.oedema_ratio > 0:
            halo = np.clip((radius * item.oedema_ratio - rho) / (2 * edge_mm) + 0.5, 0, 1)
            oedema[near] = np.maximum(oedema[near], halo)
    return lesion.reshape(shape), oedema.reshape(shape)

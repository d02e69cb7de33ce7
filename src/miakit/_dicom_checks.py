"""Checks of DICOM values that would otherwise give a silently wrong image (private).

Used by :func:`miakit.dicom.read_dicom` and :func:`miakit.dicom.read_series`: the
modality LUT (rescale slope/intercept, RT dose scaling), pixel spacing, and the
geometry of a series (orientation cosines, in-plane drift of slice positions).
Every error is a :class:`miakit.dicom.DicomError` that names the file and element.
"""

from __future__ import annotations

import warnings

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut

__all__ = ["check_orientation", "check_inplane_drift", "modality_values", "pixel_spacing"]

_COSINE_TOLERANCE = 1e-3  # DICOM writers round cosines to ~6 decimals


def _error(message: str) -> Exception:
    from .dicom import DicomError  # circular at import time; DicomError lives in dicom

    return DicomError(message)


def _number(dataset: Dataset, keyword: str, default: float | None, name: str) -> float | None:
    """A header number, or ``default`` if absent or empty; raise if not a finite number."""
    value = dataset.get(keyword)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _error(f"{name}: {keyword} must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise _error(f"{name}: {keyword} must be finite, got {value!r}")
    return number


def modality_values(stored: np.ndarray, dataset: Dataset, name: str) -> tuple[np.ndarray, str]:
    """Stored values to physical values (modality LUT), with the units they carry.

    Rescale slope 0 (a constant image) and NaN/inf slope or intercept are refused; RT
    dose grids are multiplied by DoseGridScaling, which they must carry.
    """
    modality = str(dataset.get("Modality", ""))
    if dataset.get("ModalityLUTSequence"):
        try:
            pixels = np.asarray(apply_modality_lut(stored, dataset), dtype=np.float64)
        except Exception as err:
            raise _error(f"{name}: ModalityLUTSequence cannot be applied: {err}") from err
    else:
        slope = _number(dataset, "RescaleSlope", 1.0, name)
        intercept = _number(dataset, "RescaleIntercept", 0.0, name)
        if slope == 0:
            raise _error(f"{name}: RescaleSlope must not be 0 (every pixel would be equal)")
        pixels = stored.astype(np.float64) * slope + intercept  # type: ignore[operator]
    units = "HU" if modality == "CT" else "arbitrary"
    if modality == "RTDOSE":
        scaling = _number(dataset, "DoseGridScaling", None, name)
        if scaling is None or scaling <= 0:
            got = dataset.get("DoseGridScaling")
            raise _error(
                f"{name}: an RT dose grid needs a positive DoseGridScaling to give dose, "
                f"got {got!r}; the stored values are not doses"
            )
        pixels = pixels * scaling
        units = {"GY": "Gy", "RELATIVE": "relative"}.get(
            str(dataset.get("DoseUnits", "")).upper(), "arbitrary"
        )
    if not np.all(np.isfinite(pixels)):
        raise _error(f"{name}: pixel values contain NaN or inf after the modality LUT")
    return pixels, units


def _pair(value: object) -> tuple[float, float] | None:
    try:
        numbers = tuple(float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    ok = len(numbers) == 2 and all(np.isfinite(v) and v > 0 for v in numbers)
    return numbers if ok else None  # type: ignore[return-value]


def pixel_spacing(dataset: Dataset, name: str, stacklevel: int) -> tuple[float, float]:
    """PixelSpacing if finite and positive, else ImagerPixelSpacing (with a warning), else 1 mm."""
    spacing = _pair(dataset.get("PixelSpacing"))
    if spacing is not None:
        return spacing
    spacing = _pair(dataset.get("ImagerPixelSpacing"))
    if spacing is not None:
        warnings.warn(
            f"{name}: no valid PixelSpacing; using ImagerPixelSpacing {spacing} (spacing "
            "at the detector: objects are smaller by the geometric magnification)",
            stacklevel=stacklevel + 1,
        )
        return spacing
    got = dataset.get("PixelSpacing")
    warnings.warn(
        f"{name}: no valid pixel spacing (PixelSpacing {got!r}), assuming 1 mm",
        stacklevel=stacklevel + 1,
    )
    return (1.0, 1.0)


def check_orientation(orientation: tuple[float, ...], name: str) -> tuple[np.ndarray, np.ndarray]:
    """Row and column cosines of ImageOrientationPatient, checked unit and orthogonal."""
    row, col = np.array(orientation[:3]), np.array(orientation[3:])
    norms = (float(np.linalg.norm(row)), float(np.linalg.norm(col)))
    if max(abs(n - 1.0) for n in norms) > _COSINE_TOLERANCE:
        raise _error(
            f"{name}: ImageOrientationPatient {list(orientation)} must hold two unit "
            f"vectors, got lengths {norms[0]:.4g} and {norms[1]:.4g}"
        )
    dot = float(np.dot(row, col))
    if abs(dot) > _COSINE_TOLERANCE:
        raise _error(
            f"{name}: ImageOrientationPatient {list(orientation)} row and column "
            f"directions must be orthogonal, got cosine {dot:.4g} between them"
        )
    return row / norms[0], col / norms[1]


def check_inplane_drift(
    positions: np.ndarray, normal: np.ndarray, names: list[str], tolerance_mm: float
) -> None:
    """Refuse slices whose positions move within the slice plane (gantry tilt, shear).

    ``positions`` are the ImagePositionPatient of the sorted slices, shape (Z, 3).
    """
    along = positions @ normal
    inplane = positions - along[:, None] * normal
    drift = np.linalg.norm(inplane - inplane[0], axis=1)
    if np.max(drift) > tolerance_mm:
        k = int(np.argmax(drift))
        raise _error(
            f"{names[k]}: ImagePositionPatient lies {drift[k]:.3f} mm off the slice normal "
            f"through {names[0]} (tolerance_mm {tolerance_mm}): the slices are sheared "
            "(gantry tilt?) and cannot be stacked into a box; resample them first"
        )

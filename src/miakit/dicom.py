"""DICOM images and series, Hounsfield units, display windows and header tables (chapter 01).

Wraps :mod:`pydicom` with what a pipeline must get right: the modality LUT (stored values
to HU), sorting slices by position, geometry checks, and errors that name the file.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from ._checks import as_path, choice, positive, positive_int
from ._dicom_checks import check_inplane_drift, check_orientation, modality_values, pixel_spacing
from ._dicom_header import header_table
from ._dicom_window import WINDOW_PRESETS, apply_window, window_preset

__all__ = ["WINDOW_PRESETS", "DicomError", "DicomImage", "DicomVolume", "apply_window",
           "header_summary", "nifti_affine", "read_dicom", "read_series", "window_preset"]  # fmt: skip


class DicomError(ValueError):
    """A file that is not DICOM, is truncated or malformed, or holds no usable image."""


@dataclass
class DicomImage:
    """One 2D DICOM image with its geometry.

    Attributes
    ----------
    pixels : ndarray of shape (rows, cols), float64
        Values after the modality LUT (CT: Hounsfield units via RescaleSlope/Intercept).
    spacing_mm : (row gap, column gap) in mm, DICOM PixelSpacing order.
    position_mm : ImagePositionPatient (LPS, mm) of the first pixel's centre, or None.
    orientation : ImageOrientationPatient: row then column direction cosines, or None.
    modality : DICOM Modality, e.g. ``"CT"``.
    units : ``"HU"`` for CT, else ``"arbitrary"``.
    dataset : the full pydicom Dataset (header and pixel data).
    """

    pixels: np.ndarray
    spacing_mm: tuple[float, float]
    position_mm: tuple[float, float, float] | None
    orientation: tuple[float, float, float, float, float, float] | None
    modality: str
    units: str
    dataset: Dataset


@dataclass
class DicomVolume:
    """A 3D volume stacked from a DICOM series, sorted by slice position.

    Attributes
    ----------
    array : ndarray of shape (Z, Y, X), float64, slices by increasing normal position.
    spacing_mm : (z, y, x) gaps in mm: between slice positions, rows, columns.
    origin_mm : LPS position (mm) of voxel ``array[0, 0, 0]``.
    direction : ndarray of shape (3, 3); rows are the LPS unit vectors of x (along a
        row), y (down a column) and the slice normal.
    positions_mm : ndarray of shape (Z,), slice positions projected on the normal.
    files : list of Path, the source files in sorted order.
    """

    array: np.ndarray
    spacing_mm: tuple[float, float, float]
    origin_mm: tuple[float, float, float]
    direction: np.ndarray
    positions_mm: np.ndarray
    files: list[Path]


def _floats(value: object, n: int) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        numbers = tuple(float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == n else None


def read_dicom(path: str | PathLike[str]) -> DicomImage:
    """Read one single-frame greyscale DICOM image and apply its modality LUT.

    Parameters
    ----------
    path : str or path-like, a DICOM Part 10 file.

    Returns
    -------
    DicomImage, with pixels as float64 of shape (rows, cols); CT values in HU.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DicomError
        If the file is not DICOM, cannot be parsed, holds no pixel data, its pixels
        cannot be decoded (truncated, invalid values), or it is not single-frame grey
        (PALETTE COLOR indices included); if RescaleSlope is 0, a rescale value or
        ImagePositionPatient/ImageOrientationPatient is NaN or inf, or an RT dose grid
        lacks DoseGridScaling.

    Notes
    -----
    The modality LUT gives physical values; for CT ``HU = stored * RescaleSlope +
    RescaleIntercept`` (DICOM PS3.3 C.11.1). No VOI LUT (window) is applied; MONOCHROME1
    images show high values dark. RT dose grids are multiplied by DoseGridScaling
    (units ``"Gy"`` or ``"relative"``). Missing, zero or NaN PixelSpacing falls back
    to ImagerPixelSpacing (at the detector, so magnified) or else to 1 mm, each with
    a warning.

    Examples
    --------
    >>> from miakit.datasets import dicom_file_path
    >>> image = read_dicom(dicom_file_path("CT_small.dcm"))
    >>> image.pixels.shape, image.modality, image.units
    ((128, 128), 'CT', 'HU')
    >>> float(image.pixels.min()), image.spacing_mm  # stored 128, intercept -1024
    (-896.0, (0.661468, 0.661468))
    """
    path = as_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} is not an existing file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # invalid VR values: reported below
        try:
            dataset = pydicom.dcmread(path)
        except InvalidDicomError as err:
            raise DicomError(f"{path.name}: not a DICOM file (no 'DICM' preamble): {err}") from err
        except Exception as err:
            raise DicomError(f"{path.name}: could not be parsed as DICOM: {err}") from err
        if not any(k in dataset for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
            sop = getattr(dataset.get("SOPClassUID"), "name", "unknown SOP class")
            modality = dataset.get("Modality", "?")
            raise DicomError(f"{path.name}: has no pixel data (Modality {modality!r}, {sop})")
        photometric = str(dataset.get("PhotometricInterpretation", ""))
        if photometric == "PALETTE COLOR":
            raise DicomError(
                f"{path.name}: PhotometricInterpretation PALETTE COLOR stores indices into "
                "a colour table, not intensities; use pydicom.pixels.apply_color_lut"
            )
        try:
            stored = dataset.pixel_array
        except Exception as err:
            raise DicomError(f"{path.name}: pixel data cannot be decoded: {err}") from err
    if stored.ndim != 2:
        shape, frames = stored.shape, dataset.get("NumberOfFrames", 1)
        raise DicomError(
            f"{path.name}: expected a single-frame greyscale image, got shape {shape} "
            f"({frames} frame(s), PhotometricInterpretation {photometric!r})"
        )
    pixels, units = modality_values(stored, dataset, path.name)
    spacing = pixel_spacing(dataset, path.name, stacklevel=2)
    modality = str(dataset.get("Modality", ""))
    position = _floats(dataset.get("ImagePositionPatient"), 3)
    orientation = _floats(dataset.get("ImageOrientationPatient"), 6)
    for keyword, value in (("ImagePositionPatient", position), ("ImageOrientationPatient", orientation)):  # fmt: skip
        if value is not None and not np.all(np.isfinite(value)):
            raise DicomError(f"{path.name}: {keyword} must be finite, got {list(value)}")
    return DicomImage(pixels, spacing, position, orientation, modality, units, dataset)  # type: ignore[arg-type]


def read_series(
    paths: str | PathLike[str] | Sequence[str | PathLike[str]],
    *,
    tolerance_mm: float = 0.01,
) -> DicomVolume:
    """Stack the slices of one DICOM series into a volume sorted by position.

    Parameters
    ----------
    paths : path-like or sequence of path-like, a directory (all its files) or files.
    tolerance_mm : float, optional
        Largest allowed deviation of a slice gap from the median gap (and of
        orientation cosines and pixel spacing between slices).

    Returns
    -------
    DicomVolume

    Raises
    ------
    ValueError
        If ``paths`` is an empty string, fewer than 2 files are given or
        ``tolerance_mm`` is not positive.
    DicomError
        If a file is unreadable (see :func:`read_dicom`) or lacks position/orientation;
        if files differ in SeriesInstanceUID, shape, pixel spacing or orientation; if
        the orientation cosines are not unit length or not orthogonal; if two slices
        share a position; if slice gaps differ by more than ``tolerance_mm``; or if
        positions drift within the slice plane (gantry tilt: a sheared volume).

    Notes
    -----
    The slice normal is ``n = r x c`` (row and column direction cosines of
    ImageOrientationPatient); slices are sorted by ``ImagePositionPatient . n``. File
    names and InstanceNumber carry no geometry and are ignored. Gantry tilt is refused
    rather than stacked into a wrongly shaped box.

    Examples
    --------
    >>> from miakit.datasets import dicom_file_path
    >>> folder = dicom_file_path("DICOMDIR").parent / "98892001" / "CT5N"
    >>> volume = read_series(folder)
    >>> volume.array.shape, volume.spacing_mm
    ((5, 16, 16), (2.5, 0.488281, 0.488281))
    >>> volume.positions_mm.round(4).tolist()
    [-1.2375, 1.2625, 3.7625, 6.2625, 8.7625]
    """
    tolerance_mm = positive(tolerance_mm, "tolerance_mm")
    if isinstance(paths, (str, PathLike)) and str(paths).strip() == "":
        raise ValueError(f"paths must name a folder or files, got {paths!r}")
    if isinstance(paths, (str, PathLike)):
        folder = Path(paths)
    elif not isinstance(paths, Sequence) or not all(isinstance(p, (str, PathLike)) for p in paths):
        raise TypeError(f"paths must be a folder or a sequence of file paths, got {paths!r}"[:150])
    if isinstance(paths, (str, PathLike)):
        paths = [p for p in sorted(folder.iterdir()) if p.is_file()] if folder.is_dir() else [folder]  # fmt: skip
    files = [Path(p) for p in paths]
    if len(files) < 2:
        raise ValueError(f"paths must give at least 2 files, got {len(files)}")
    images = [read_dicom(f) for f in files]
    first = images[0]
    for f, im in zip(files, images, strict=True):
        if im.position_mm is None or im.orientation is None:
            raise DicomError(f"{f.name}: lacks ImagePositionPatient or ImageOrientationPatient")
        for what, value, ref in (
            ("SeriesInstanceUID", im.dataset.get("SeriesInstanceUID"), first.dataset.get("SeriesInstanceUID")),
            ("shape", im.pixels.shape, first.pixels.shape),
            ("PixelSpacing", im.spacing_mm, first.spacing_mm),
            ("ImageOrientationPatient", im.orientation, first.orientation),
        ):  # fmt: skip
            exact = what in ("SeriesInstanceUID", "shape")
            if (value != ref) if exact else not np.allclose(value, ref, atol=tolerance_mm):  # type: ignore[arg-type]
                raise DicomError(f"{f.name}: {what} {value} differs from {files[0].name} ({ref})")
    row, col = check_orientation(first.orientation, files[0].name)  # type: ignore[arg-type]
    normal = np.cross(row, col)
    normal /= np.linalg.norm(normal)
    projected = np.array([np.dot(im.position_mm, normal) for im in images])
    order = np.argsort(projected, kind="stable")
    points = np.array([images[i].position_mm for i in order], dtype=np.float64)
    check_inplane_drift(points, normal, [files[i].name for i in order], tolerance_mm)
    positions = projected[order]
    gaps = np.diff(positions)
    if np.any(gaps < tolerance_mm):
        k = int(np.argmin(gaps))
        pair = f"{files[order[k]].name} and {files[order[k + 1]].name}"
        raise DicomError(
            f"{pair} share the slice position {positions[k]:.3f} mm (gap below "
            f"tolerance_mm {tolerance_mm})"
        )
    gap = float(np.median(gaps))
    if np.max(np.abs(gaps - gap)) > tolerance_mm:
        raise DicomError(
            f"slice gaps are inconsistent: {np.round(gaps, 3).tolist()} mm (median {gap:.3f}, "
            f"tolerance_mm {tolerance_mm}); a slice may be missing or series mixed"
        )
    array = np.stack([images[i].pixels for i in order])
    spacing = (round(gap, 6), *first.spacing_mm)  # rounding hides float noise in positions
    origin = images[order[0]].position_mm
    sorted_files = [files[i] for i in order]
    direction = np.vstack([row, col, normal])
    return DicomVolume(array, spacing, origin, direction, positions, sorted_files)  # type: ignore[arg-type]


def nifti_affine(volume: DicomVolume, *, convention: Literal["RAS", "LPS"] = "RAS") -> np.ndarray:
    """Voxel-to-world affine of a volume for the array transposed to (X, Y, Z).

    Parameters
    ----------
    volume : DicomVolume
    convention : {"RAS", "LPS"}, ``"RAS"`` for NIfTI/nibabel, ``"LPS"`` for DICOM/ITK.

    Returns
    -------
    ndarray of shape (4, 4), mapping (i, j, k) = (column, row, slice) indices to mm.

    Raises
    ------
    TypeError
        If ``volume`` is not a DicomVolume.
    ValueError
        If ``convention`` is not ``"RAS"`` or ``"LPS"``.

    Notes
    -----
    Columns of the LPS affine are ``dx * r``, ``dy * c``, ``dz * n`` and the origin.
    RAS = diag(-1, -1, 1) @ LPS: the first two world axes change sign.

    Examples
    --------
    >>> from miakit.datasets import dicom_file_path
    >>> volume = read_series(dicom_file_path("DICOMDIR").parent / "98892001" / "CT5N")
    >>> nifti_affine(volume, convention="RAS").round(2)
    array([[ -0.49,   0.  ,   0.  ,  72.2 ],
           [  0.  ,  -0.49,   0.  , 143.  ],
           [  0.  ,   0.  ,   2.5 ,  -1.24],
           [  0.  ,   0.  ,   0.  ,   1.  ]])
    """
    if not isinstance(volume, DicomVolume):
        raise TypeError(
            f"volume must be a DicomVolume (from read_series), got {type(volume).__name__}"
        )
    choice(convention, "convention", ["RAS", "LPS"])
    dz, dy, dx = volume.spacing_mm
    affine = np.eye(4)
    affine[:3, :3] = volume.direction.T * np.array([dx, dy, dz])
    affine[:3, 3] = volume.origin_mm
    if convention == "RAS":
        affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine
    return affine


def header_summary(
    dataset_or_path: Dataset | str | PathLike[str], *, max_chars: int = 60
) -> pd.DataFrame:
    """A readable table of the top-level header elements, grouped by DICOM module.

    Parameters
    ----------
    dataset_or_path : pydicom.Dataset or path-like (a DICOM file).
    max_chars : int, optional, values longer than this are shortened with an ellipsis.

    Returns
    -------
    pandas.DataFrame
        Columns ``module``, ``keyword``, ``tag``, ``VR``, ``value``, rows in the order
        file meta, patient, study, series, equipment, frame of reference, image, pixel,
        acquisition, other, private. UIDs show their registered name when known.

    Raises
    ------
    TypeError
        If ``dataset_or_path`` is neither a Dataset nor a path.
    ValueError
        If ``max_chars`` is below 2.
    FileNotFoundError, DicomError
        If the path is missing or not DICOM.

    Notes
    -----
    The grouping follows the DICOM information model (patient, study, series, instance,
    PS3.3) by keyword and group number; it is a reading aid, not a full IOD parser.

    Examples
    --------
    >>> from miakit.datasets import dicom_file_path
    >>> table = header_summary(dicom_file_path("CT_small.dcm"))
    >>> row = table[table.keyword == "TransferSyntaxUID"].iloc[0]
    >>> row.module, row.value
    ('file meta', '1.2.840.10008.1.2.1 (Explicit VR Little Endian)')
    >>> table[table.keyword == "RescaleIntercept"].value.item()
    '-1024'
    """
    max_chars = positive_int(max_chars, "max_chars", minimum=2)
    if isinstance(dataset_or_path, Dataset):
        dataset = dataset_or_path
    elif isinstance(dataset_or_path, (str, PathLike)):
        path = Path(dataset_or_path)
        if not path.is_file():
            raise FileNotFoundError(f"dataset_or_path {str(path)!r} is not an existing file")
        try:
            dataset = pydicom.dcmread(path)
        except Exception as err:
            raise DicomError(f"{path.name}: could not be read as DICOM: {err}") from err
    else:
        got = type(dataset_or_path).__name__
        raise TypeError(f"dataset_or_path must be a pydicom Dataset or a path, got {got}")
    return header_table(dataset, max_chars)

"""DICOM export of virtual chest CT volumes and radiographs (private; public in miakit.chest)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._cohort_export import _FIRST_NAMES, _LAST_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from .chest import ChestCT, ChestRadiograph

__all__: list[str] = []


def _patient(ds, meta: dict, date: dt.date, patient_name, patient_id, institution_name) -> None:
    """Synthetic identifying attributes (fictitious; for the de-identification chapter)."""
    sid, seed = int(meta["subject_id"]), int(meta.get("seed", 0))
    ds.PatientName = patient_name or f"{_LAST_NAMES[sid % 8]}^{_FIRST_NAMES[(sid // 8) % 8]}"
    ds.PatientID = patient_id or f"VCX{seed:02d}-{sid:05d}"
    birth = date.replace(year=date.year - int(round(float(meta["age"]))))
    ds.PatientBirthDate = birth.strftime("%Y%m%d")
    ds.PatientSex = str(meta["sex"])
    ds.PatientAge = f"{int(round(float(meta['age']))):03d}Y"
    ds.InstitutionName = institution_name or f"Virtual Chest Clinic Site {meta['site']}"
    ds.ReferringPhysicianName = "Smith^Alex"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = date.strftime("%Y%m%d")
    ds.StudyTime = ds.SeriesTime = "101500"
    ds.AccessionNumber = f"X{seed:02d}{sid:05d}{int(meta.get('timepoint', 0)):02d}"
    ds.StationName = f"SITE-{meta['site']}"
    ds.Manufacturer = "miakit virtual chest"
    ds.BodyPartExamined = "CHEST"


def _dataset(sop_class: str, key: list[str]):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    sop_uid = generate_uid(entropy_srcs=[*key, "sop"])
    file_meta = FileMetaDataset()
    file_meta.MediaStorageSOPClassUID = sop_class
    file_meta.MediaStorageSOPInstanceUID = sop_uid
    file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = file_meta
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_uid
    return ds


def _check(obj: object, attribute: str, kind: str, function: str) -> None:
    if not hasattr(obj, attribute) or not hasattr(obj, "metadata"):
        raise TypeError(f"{kind} must come from miakit.chest.{function}, got {type(obj)}")


def export_radiograph(
    radiograph: ChestRadiograph,
    path: str | Path,
    *,
    patient_name: str | None = None,
    patient_id: str | None = None,
    institution_name: str | None = None,
    study_date: dt.date = dt.date(2024, 5, 6),
) -> Path:
    """Write a film as a DICOM DX (flat panel) or CR (phosphor plate) image.

    Parameters
    ----------
    radiograph : ChestRadiograph
        From :func:`miakit.chest.simulate_radiograph`.
    path : str or Path
        Output file.
    patient_name, patient_id, institution_name : str or None
        Synthetic identifying attributes; ``None`` derives fictitious ones.
    study_date : datetime.date
        Date of time point 0; later visits are one year later each.

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        If ``radiograph`` is not a simulated film.

    Notes
    -----
    12-bit values; the site's photometric interpretation decides the stored polarity:
    MONOCHROME2 stores ``round(4095 * image)``, MONOCHROME1 (common for CR) stores
    ``4095 - that``, so both display identically. ``ImagerPixelSpacing`` is the
    detector pitch; ``PixelSpacing`` (calibration type GEOMETRY) divides it by the lungs'
    magnification ``EstimatedRadiographicMagnificationFactor = SID / SOD``.

    Examples
    --------
    >>> import tempfile
    >>> from miakit.chest import make_chest_subject, simulate_radiograph
    >>> from miakit.dicom import read_dicom
    >>> film = simulate_radiograph(make_chest_subject(1, site="B"), size=64)
    >>> image = read_dicom(export_radiograph(film, Path(tempfile.mkdtemp()) / "cxr.dcm"))
    >>> image.modality, image.dataset.PhotometricInterpretation, image.dataset.ViewPosition
    ('CR', 'MONOCHROME1', 'PA')
    """
    from pydicom.uid import ComputedRadiographyImageStorage, DigitalXRayImageStorageForPresentation

    _check(radiograph, "line_integral", "radiograph", "simulate_radiograph")
    meta = radiograph.metadata
    timepoint = int(meta.get("timepoint", 0))
    date = study_date.replace(year=study_date.year + timepoint)
    cr = meta["modality"] == "CR"
    sop = ComputedRadiographyImageStorage if cr else DigitalXRayImageStorageForPresentation
    key = [
        "miakit-chest",
        str(meta.get("seed", 0)),
        str(meta["subject_id"]),
        str(timepoint),
        str(meta["view"]),
    ]
    ds = _dataset(sop, key)
    _patient(ds, meta, date, patient_name, patient_id, institution_name)
    from pydicom.uid import generate_uid

    ds.StudyInstanceUID = generate_uid(entropy_srcs=[*key[:4], "study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[*key, "series"])
    ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = str(timepoint + 1), 1, 1
    ds.Modality = meta["modality"]
    ds.ViewPosition = meta["view"]
    ds.PatientOrientation = ["L", "F"]
    ds.ImageLaterality = "U"
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.DistanceSourceToDetector = f"{meta['sid_mm']:.1f}"
    ds.DistanceSourceToPatient = f"{meta['sod_mm']:.1f}"
    ds.EstimatedRadiographicMagnificationFactor = f"{radiograph.magnification:.4f}"
    pitch = round(radiograph.pixel_spacing_mm, 6)
    ds.ImagerPixelSpacing = [pitch, pitch]
    at_patient = round(radiograph.pixel_spacing_mm / radiograph.magnification, 6)
    ds.PixelSpacing = [at_patient, at_patient]
    ds.PixelSpacingCalibrationType = "GEOMETRY"
    stored = np.round(radiograph.image * 4095.0).astype(np.uint16)
    photometric = str(meta["photometric"])
    if photometric == "MONOCHROME1":
        stored = (4095 - stored).astype(np.uint16)
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = -1 if photometric == "MONOCHROME1" else 1
    ds.PixelData = stored.tobytes()
    path = Path(path)
    ds.save_as(path, enforce_file_format=True)
    return path


def export_chest_ct(
    ct: ChestCT,
    folder: str | Path,
    *,
    patient_name: str | None = None,
    patient_id: str | None = None,
    institution_name: str | None = None,
    study_date: dt.date = dt.date(2024, 5, 6),
) -> list[Path]:
    """Write a CT volume as a DICOM CT series, one file per axial slice.

    Parameters
    ----------
    ct : ChestCT
        From :func:`miakit.chest.render_chest_ct`.
    folder : str or Path
        Created if missing; files ``slice_000.dcm``, ...
    patient_name, patient_id, institution_name, study_date
        As in :func:`export_radiograph`.

    Returns
    -------
    list of Path
        In slice order (inferior to superior).

    Raises
    ------
    TypeError
        If ``ct`` is not a rendered CT.

    Notes
    -----
    ``HU = stored - 1024`` (RescaleSlope 1, RescaleIntercept -1024, stored values
    clipped to [0, 4095]). Geometry in DICOM LPS: the array's columns run to patient
    left (+x), rows to posterior (+y), slices upwards (+z), so
    ``ImageOrientationPatient = [1, 0, 0, 0, 1, 0]`` and ``ImagePositionPatient`` is the
    centre of the first voxel of each slice, the field of view centred on the origin.

    Examples
    --------
    >>> import tempfile
    >>> from miakit.chest import make_chest_subject, render_chest_ct
    >>> from miakit.dicom import read_series
    >>> ct = render_chest_ct(make_chest_subject(3), shape=(20, 32, 32))
    >>> volume = read_series(export_chest_ct(ct, tempfile.mkdtemp()))
    >>> volume.array.shape, tuple(round(s, 1) for s in volume.spacing_mm)
    ((20, 32, 32), (20.0, 12.5, 12.5))
    """
    from pydicom.uid import CTImageStorage, generate_uid

    _check(ct, "image_hu", "ct", "render_chest_ct")
    meta = ct.metadata
    timepoint = int(meta.get("timepoint", 0))
    date = study_date.replace(year=study_date.year + timepoint)
    base = ["miakit-chest-ct", str(meta.get("seed", 0)), str(meta["subject_id"]), str(timepoint)]
    stored = np.clip(np.round(ct.image_hu + 1024.0), 0, 4095).astype(np.uint16)
    sz, sy, sx = ct.spacing_mm
    nz, ny, nx = stored.shape
    x0, y0, z0 = -nx * sx / 2 + sx / 2, -ny * sy / 2 + sy / 2, -nz * sz / 2 + sz / 2
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(nz):
        ds = _dataset(CTImageStorage, [*base, str(k)])
        _patient(ds, meta, date, patient_name, patient_id, institution_name)
        ds.StudyInstanceUID = generate_uid(entropy_srcs=[*base[:3], "ctstudy", str(timepoint)])
        ds.SeriesInstanceUID = generate_uid(entropy_srcs=[*base, "series"])
        ds.FrameOfReferenceUID = generate_uid(entropy_srcs=[*base, "frame"])
        ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = str(timepoint + 1), 2, k + 1
        ds.Modality, ds.SeriesDescription = "CT", "virtual chest CT"
        z = z0 + k * sz
        ds.ImagePositionPatient = [round(x0, 6), round(y0, 6), round(z, 6)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SliceLocation = round(z, 6)
        ds.PixelSpacing = [round(sy, 6), round(sx, 6)]
        ds.SliceThickness = round(sz, 6)
        ds.Rows, ds.Columns = ny, nx
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 1, -1024, "HU"
        ds.WindowCenter, ds.WindowWidth = -600, 1500
        ds.KVP = 120
        ds.PixelData = stored[k].tobytes()
        path = folder / f"slice_{k:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths

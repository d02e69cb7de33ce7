"""NIfTI and DICOM export of virtual-cohort volumes (private; public in miakit.cohort)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._checks import choice, positive

if TYPE_CHECKING:  # pragma: no cover
    from .cohort import CohortVolume

__all__: list[str] = []

_FIRST_NAMES = ("Jane", "John", "Maria", "Ahmed", "Li", "Olga", "Kwame", "Sofia")
_LAST_NAMES = ("Doe", "Roe", "Moe", "Poe", "Loe", "Hoe", "Zoe", "Koe")


def _check_volume(volume: object, contrast: str) -> None:
    if not hasattr(volume, "images") or not hasattr(volume, "affine"):
        raise TypeError(f"volume must be a CohortVolume from render_volume, got {type(volume)}")
    choice(contrast, "contrast", list(volume.images))  # type: ignore[attr-defined]


def export_nifti(volume: CohortVolume, path: str | Path, *, contrast: str = "T1w") -> Path:
    """Write one contrast of a volume to NIfTI-1 with its RAS affine.

    Parameters
    ----------
    volume : CohortVolume
        From :func:`miakit.cohort.render_volume`.
    path : str or Path
        Output file, ``.nii`` or ``.nii.gz``.
    contrast : str
        One of the contrasts the volume was rendered with.

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        If ``volume`` is not a rendered volume.
    ValueError
        If ``contrast`` was not rendered.

    Notes
    -----
    The (Z, Y, X) array is written transposed to (X, Y, Z), the order ``volume.affine``
    describes, so ``nib.load(path).affine`` maps voxel indices to MNI-like RAS mm.

    Examples
    --------
    >>> import tempfile, nibabel as nib
    >>> from miakit.cohort import make_subject, render_volume
    >>> vol = render_volume(make_subject(1), shape=(16, 16, 16))
    >>> out = export_nifti(vol, Path(tempfile.mkdtemp()) / "s1.nii.gz")
    >>> nib.load(out).shape, nib.aff2axcodes(nib.load(out).affine)
    ((16, 16, 16), ('L', 'P', 'S'))
    """
    import nibabel as nib

    _check_volume(volume, contrast)
    data = np.ascontiguousarray(volume.images[contrast].transpose(2, 1, 0))
    image = nib.Nifti1Image(data, volume.affine)
    image.set_qform(volume.affine, code=1)
    image.set_sform(volume.affine, code=1)
    image.header.set_xyzt_units("mm")
    path = Path(path)
    nib.save(image, str(path))
    return path


def export_dicom_series(
    volume: CohortVolume,
    folder: str | Path,
    *,
    contrast: str = "T1w",
    patient_name: str | None = None,
    patient_id: str | None = None,
    institution_name: str | None = None,
    study_date: dt.date = dt.date(2024, 3, 4),
    slice_thickness_mm: float | None = None,
) -> list[Path]:
    """Write one contrast as an MR DICOM series (one file per axial slice).

    Parameters
    ----------
    volume : CohortVolume
        From :func:`miakit.cohort.render_volume`.
    folder : str or Path
        Created if missing; files are named ``slice_000.dcm``, ...
    contrast : str
        A rendered contrast.
    patient_name, patient_id, institution_name : str or None
        Synthetic identifying attributes; ``None`` derives fictitious ones from the
        subject id (for the de-identification chapter; no real person). Any string,
        including ``""``, is written as given.
    study_date : datetime.date
        Date of time point 0; later time points are one year later each.
    slice_thickness_mm : float or None
        ``SliceThickness``, the width of the excited slab; ``None`` writes the slice
        spacing. A larger value describes overlapping slices (for example 3 mm thick
        every 2 mm); ``SpacingBetweenSlices`` and the positions always follow the
        volume's spacing.

    Returns
    -------
    list of Path
        The files, in slice order (inferior to superior).

    Raises
    ------
    TypeError
        If ``volume`` is not a rendered volume.
    ValueError
        If ``contrast`` was not rendered or ``slice_thickness_mm`` is not positive.

    Notes
    -----
    Stored values are uint16 with one ``RescaleSlope``/``RescaleIntercept`` for the
    series (``value = stored * slope + intercept``), so intensities round-trip to within
    half a slope. Geometry follows DICOM LPS: ``ImageOrientationPatient`` is
    ``[1, 0, 0, 0, 1, 0]`` (rows go to patient left, columns to posterior) and
    ``ImagePositionPatient`` is the centre of the first pixel of each slice;
    ``PixelSpacing`` is (row spacing, column spacing) = (dy, dx). UIDs are
    derived deterministically with ``pydicom.uid.generate_uid(entropy_srcs=...)``.

    Examples
    --------
    >>> import tempfile, pydicom
    >>> from miakit.cohort import make_subject, render_volume
    >>> vol = render_volume(make_subject(2), shape=(16, 16, 16))
    >>> files = export_dicom_series(vol, tempfile.mkdtemp())
    >>> ds = pydicom.dcmread(files[0])
    >>> len(files), ds.Modality, [float(v) for v in ds.PixelSpacing]
    (16, 'MR', [12.0, 12.0])
    >>> files = export_dicom_series(vol, tempfile.mkdtemp(), patient_name="", slice_thickness_mm=18)
    >>> ds = pydicom.dcmread(files[0])
    >>> str(ds.PatientName), float(ds.SliceThickness), float(ds.SpacingBetweenSlices)
    ('', 18.0, 12.0)
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    _check_volume(volume, contrast)
    if slice_thickness_mm is not None:
        slice_thickness_mm = positive(slice_thickness_mm, "slice_thickness_mm")
    meta = volume.metadata
    sid, seed = int(meta["subject_id"]), int(meta.get("seed", 0))
    timepoint = int(meta.get("timepoint", 0))
    array = volume.images[contrast]
    low, high = float(array.min()), float(array.max())
    slope = (high - low) / 65535.0 if high > low else 1.0
    stored = np.round((array - low) / slope).astype(np.uint16)
    sz, sy, sx = volume.spacing_mm
    affine = volume.affine
    x0, y0 = float(affine[0, 3]), float(affine[1, 3])
    date = study_date.replace(year=study_date.year + timepoint)
    birth = date.replace(year=date.year - int(round(float(meta["age"]))))
    key = ["miakit-cohort", str(seed), str(sid)]
    study_uid = generate_uid(entropy_srcs=[*key, str(timepoint), "study"])
    series_uid = generate_uid(entropy_srcs=[*key, str(timepoint), contrast, "series"])
    frame_uid = generate_uid(entropy_srcs=[*key, str(timepoint), "frame"])
    if patient_name is None:
        patient_name = f"{_LAST_NAMES[sid % 8]}^{_FIRST_NAMES[(sid // 8) % 8]}"
    if patient_id is None:
        patient_id = f"VC{seed:02d}-{sid:05d}"
    if institution_name is None:
        institution_name = f"Virtual Hospital Site {meta['site']}"
    thickness = sz if slice_thickness_mm is None else slice_thickness_mm
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(array.shape[0]):
        sop_uid = generate_uid(entropy_srcs=[*key, str(timepoint), contrast, str(k)])
        file_meta = FileMetaDataset()
        file_meta.MediaStorageSOPClassUID = MRImageStorage
        file_meta.MediaStorageSOPInstanceUID = sop_uid
        file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = file_meta
        ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, sop_uid
        ds.PatientName = patient_name
        ds.PatientID = patient_id
        ds.PatientBirthDate = birth.strftime("%Y%m%d")
        ds.PatientSex = str(meta["sex"])
        ds.PatientAge = f"{int(round(float(meta['age']))):03d}Y"
        ds.InstitutionName = institution_name
        ds.ReferringPhysicianName = "Smith^Alex"
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = date.strftime("%Y%m%d")
        ds.StudyTime = ds.SeriesTime = "093000"
        ds.AccessionNumber = f"A{seed:02d}{sid:05d}{timepoint:02d}"
        ds.StudyID = str(timepoint + 1)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.Modality, ds.Manufacturer = "MR", "miakit virtual scanner"
        ds.StationName = f"SITE-{meta['site']}"
        ds.SeriesDescription = contrast
        ds.SeriesNumber, ds.InstanceNumber = CONTRAST_SERIES.get(contrast, 99), k + 1
        z = float(affine[2, 3] + k * sz)
        ds.ImagePositionPatient = [round(v, 6) for v in (-x0, -y0, z)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SliceLocation = round(z, 6)
        ds.PixelSpacing = [round(sy, 6), round(sx, 6)]
        ds.SliceThickness = round(thickness, 6)
        ds.SpacingBetweenSlices = round(sz, 6)
        ds.Rows, ds.Columns = array.shape[1], array.shape[2]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.RescaleSlope, ds.RescaleIntercept = f"{slope:.10g}", f"{low:.10g}"
        ds.RescaleType = "US"
        ds.PixelData = stored[k].tobytes()
        path = folder / f"slice_{k:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


CONTRAST_SERIES = {"T1w": 1, "T2w": 2, "FLAIR": 3, "PD": 4}

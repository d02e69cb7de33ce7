"""Tests for miakit.dicom: HU conversion, windows, series sorting and bad inputs."""

from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest

from miakit.datasets import dicom_file_path
from miakit.dicom import (
    WINDOW_PRESETS,
    DicomError,
    apply_window,
    header_summary,
    nifti_affine,
    read_dicom,
    read_series,
    window_preset,
)

Z_TRUE = [-40.0, -37.5, -35.0, -32.5, -30.0, -27.5]  # slice positions in mm, 2.5 mm apart


@pytest.fixture
def shuffled_series(tmp_path):
    """Six copies of CT_small at known z, with file names and InstanceNumber in a wrong order.

    Each slice gets a distinct constant offset in stored values (slice k: +10 k), so the
    order of the returned volume can be checked from the pixels.
    """
    template = pydicom.dcmread(dicom_file_path("CT_small.dcm"))
    names = ["im10.dcm", "im2.dcm", "im33.dcm", "im1.dcm", "im05.dcm", "im4.dcm"]
    instance_numbers = [3, 6, 1, 5, 2, 4]
    order = [4, 1, 5, 0, 3, 2]  # which true slice each file holds
    paths = []
    for name, number, k in zip(names, instance_numbers, order, strict=True):
        ds = copy.deepcopy(template)
        ds.ImagePositionPatient = [-158.135803, -179.035797, Z_TRUE[k]]
        ds.InstanceNumber = number
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
        ds.PixelData = (ds.pixel_array + 10 * k).astype(np.int16).tobytes()
        ds.save_as(tmp_path / name)
        paths.append(tmp_path / name)
    return tmp_path, paths


def test_ct_small_hounsfield_units():
    image = read_dicom(dicom_file_path("CT_small.dcm"))
    stored = image.dataset.pixel_array
    # slope 1, intercept -1024: HU = stored - 1024, exactly
    np.testing.assert_array_equal(image.pixels, stored.astype(float) - 1024)
    assert image.units == "HU" and image.modality == "CT"
    assert image.pixels.dtype == np.float64
    # lung/air region far below water, dense bone far above
    assert -1024 <= image.pixels.min() < -800
    assert image.pixels.max() > 700
    assert image.spacing_mm == pytest.approx((0.661468, 0.661468))
    assert image.position_mm == pytest.approx((-158.135803, -179.035797, -75.699997))
    assert image.orientation == pytest.approx((1, 0, 0, 0, 1, 0))


def test_mr_units_are_arbitrary():
    image = read_dicom(dicom_file_path("MR_small.dcm"))
    assert image.units == "arbitrary"
    assert image.pixels.shape == (64, 64)


def test_apply_window_hand_checked():
    values = np.array([[-1000.0, -160.0, 40.0, 140.0, 240.0, 3000.0]])
    # soft tissue: level 40, width 400 -> [-160, 240] maps linearly to [0, 1]
    expected = np.array([[0.0, 0.0, 0.5, 0.75, 1.0, 1.0]])
    np.testing.assert_allclose(apply_window(values, level=40, width=400), expected)


def test_apply_window_3d_and_range():
    rng = np.random.default_rng(0)
    volume = rng.normal(0, 500, size=(3, 4, 5))
    out = apply_window(volume, level=-600, width=1500)
    assert out.shape == volume.shape
    assert out.min() >= 0 and out.max() <= 1


def test_window_presets():
    assert window_preset("lung") == (-600.0, 1500.0)
    assert window_preset("soft_tissue") == (40.0, 400.0)
    assert window_preset("bone") == (400.0, 1800.0)
    assert window_preset("brain") == (40.0, 80.0)
    assert set(WINDOW_PRESETS) == {"lung", "soft_tissue", "bone", "brain"}


def test_window_errors():
    with pytest.raises(ValueError, match="name must be one of"):
        window_preset("liver")
    with pytest.raises(ValueError, match="width must be finite and > 0, got 0"):
        apply_window(np.zeros((2, 2)), level=0, width=0)
    with pytest.raises(ValueError, match="image_hu must contain only finite"):
        apply_window(np.array([[np.nan, 0.0]]), level=0, width=10)
    with pytest.raises(ValueError, match="image_hu must be 2D or 3D"):
        apply_window(np.zeros(4), level=0, width=10)


def test_read_series_sorts_by_position(shuffled_series):
    folder, paths = shuffled_series
    volume = read_series(folder)
    np.testing.assert_allclose(volume.positions_mm, Z_TRUE)
    assert volume.spacing_mm == pytest.approx((2.5, 0.661468, 0.661468))
    # slice k carries offset 10 k: differences between consecutive slices are all +10
    steps = np.diff(volume.array.mean(axis=(1, 2)))
    np.testing.assert_allclose(steps, 10.0)
    assert [p.name for p in volume.files] == [
        "im1.dcm",
        "im2.dcm",
        "im4.dcm",
        "im05.dcm",
        "im10.dcm",
        "im33.dcm",
    ]
    np.testing.assert_allclose(volume.origin_mm, (-158.135803, -179.035797, -40.0))
    np.testing.assert_allclose(volume.direction, np.eye(3), atol=1e-12)
    # the same volume from a list of paths in any order
    again = read_series(list(reversed(paths)))
    np.testing.assert_array_equal(again.array, volume.array)


def test_read_series_sorting_ignores_names_and_instance_numbers(shuffled_series):
    folder, paths = shuffled_series
    by_name = sorted(paths, key=lambda p: p.name)
    by_instance = sorted(paths, key=lambda p: int(pydicom.dcmread(p).InstanceNumber))
    volume = read_series(folder)
    assert by_name != volume.files
    assert by_instance != volume.files


def test_read_series_real_dicomdir_series():
    folder = dicom_file_path("DICOMDIR").parent / "98892001" / "CT5N"
    volume = read_series(folder)
    assert volume.array.shape == (5, 16, 16)
    np.testing.assert_allclose(np.diff(volume.positions_mm), 2.5)
    # InstanceNumber runs opposite to z in this series
    numbers = [int(pydicom.dcmread(p).InstanceNumber) for p in volume.files]
    assert numbers == [10, 9, 8, 7, 6]


def test_nifti_affine_flips_first_two_axes(shuffled_series):
    folder, _ = shuffled_series
    volume = read_series(folder)
    lps = nifti_affine(volume, convention="LPS")
    ras = nifti_affine(volume, convention="RAS")
    np.testing.assert_allclose(lps[:3, 3], volume.origin_mm)
    np.testing.assert_allclose(ras[:2], -lps[:2])
    np.testing.assert_allclose(ras[2:], lps[2:])
    # voxel (i, j, k) = (1, 0, 2): one column step and two slices from the origin
    world = lps @ np.array([1, 0, 2, 1.0])
    np.testing.assert_allclose(world[:3], np.add(volume.origin_mm, [0.661468, 0, 5.0]))
    with pytest.raises(ValueError, match="convention must be one of"):
        nifti_affine(volume, convention="RSA")


def test_read_series_inconsistent_gap(shuffled_series):
    _, paths = shuffled_series
    ds = pydicom.dcmread(paths[0])
    ds.ImagePositionPatient = [-158.135803, -179.035797, 100.0]
    ds.save_as(paths[0])
    with pytest.raises(DicomError, match="slice gaps are inconsistent"):
        read_series(paths)


def test_read_series_duplicate_position(shuffled_series):
    _, paths = shuffled_series
    with pytest.raises(DicomError, match="share the slice position"):
        read_series([paths[0], paths[0]])


def test_read_series_mixed_series(shuffled_series):
    _, paths = shuffled_series
    ds = pydicom.dcmread(paths[1])
    ds.SeriesInstanceUID = "1.2.3.4"
    ds.save_as(paths[1])
    with pytest.raises(DicomError, match="SeriesInstanceUID 1.2.3.4 differs"):
        read_series(paths)


def test_read_series_shape_and_orientation_mismatch(shuffled_series, tmp_path):
    _, paths = shuffled_series
    mr = dicom_file_path("MR_small.dcm")
    ds = pydicom.dcmread(mr)
    ds.SeriesInstanceUID = pydicom.dcmread(paths[0]).SeriesInstanceUID
    ds.save_as(tmp_path / "mr.dcm")
    with pytest.raises(DicomError, match=r"shape \(64, 64\) differs"):
        read_series([paths[0], tmp_path / "mr.dcm"])
    ds = pydicom.dcmread(paths[2])
    ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
    ds.save_as(paths[2])
    with pytest.raises(DicomError, match="ImageOrientationPatient .* differs"):
        read_series(paths)


def test_read_series_needs_two_files_and_geometry(tmp_path, shuffled_series):
    _, paths = shuffled_series
    with pytest.raises(ValueError, match="at least 2 files, got 1"):
        read_series([paths[0]])
    with pytest.raises(ValueError, match="tolerance_mm must be finite and > 0"):
        read_series(paths, tolerance_mm=-1)
    ds = pydicom.dcmread(paths[0])
    del ds.ImagePositionPatient
    ds.save_as(paths[0])
    with pytest.raises(DicomError, match="lacks ImagePositionPatient"):
        read_series(paths)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("MR_truncated.dcm", "pixel data cannot be decoded"),
        ("no_meta.dcm", "not a DICOM file"),
        ("badVR.dcm", "pixel data cannot be decoded"),
        ("rtplan.dcm", "has no pixel data"),
    ],
)
def test_read_dicom_malformed_files(name, message):
    with pytest.raises(DicomError, match=message) as info:
        read_dicom(dicom_file_path(name))
    assert name in str(info.value)


def test_read_dicom_non_dicom_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image\n")
    with pytest.raises(DicomError, match="notes.txt: not a DICOM file"):
        read_dicom(text)
    png = tmp_path / "slice.png"
    import matplotlib.pyplot as plt

    plt.imsave(png, np.zeros((4, 4)))
    with pytest.raises(DicomError, match="slice.png: not a DICOM file"):
        read_dicom(png)
    with pytest.raises(FileNotFoundError, match="is not an existing file"):
        read_dicom(tmp_path / "missing.dcm")


def test_read_dicom_multiframe_rejected():
    with pytest.raises(DicomError, match="expected a single-frame greyscale image"):
        read_dicom(dicom_file_path("emri_small.dcm"))


def test_header_summary_groups_and_uids():
    table = header_summary(dicom_file_path("CT_small.dcm"))
    assert list(table.columns) == ["module", "keyword", "tag", "VR", "value"]
    modules = table.set_index("keyword")["module"]
    assert modules["PatientName"] == "patient"
    assert modules["StudyInstanceUID"] == "study"
    assert modules["SeriesInstanceUID"] == "series"
    assert modules["Modality"] == "series"
    assert modules["SOPInstanceUID"] == "image"
    assert modules["Rows"] == "pixel"
    assert modules["TransferSyntaxUID"] == "file meta"
    assert table.loc[table.keyword == "PixelData", "value"].item() == "<32768 bytes>"
    # rows come in module order: file meta first
    assert table.module.iloc[0] == "file meta"
    assert all(len(v) <= 60 for v in table.value)
    short = header_summary(dicom_file_path("CT_small.dcm"), max_chars=10)
    uid = short.loc[short.keyword == "StudyInstanceUID", "value"].item()
    assert len(uid) == 10
    assert short.loc[short.keyword == "StudyInstanceUID", "value"].item().endswith("…")
    # a dataset works as well as a path
    ds = pydicom.dcmread(dicom_file_path("CT_small.dcm"))
    assert len(header_summary(ds)) == len(table)


def test_header_summary_errors(tmp_path):
    with pytest.raises(ValueError, match="max_chars must be >= 2, got 1"):
        header_summary(dicom_file_path("CT_small.dcm"), max_chars=1)
    with pytest.raises(TypeError, match="dataset_or_path must be a pydicom Dataset or a path"):
        header_summary(42)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="is not an existing file"):
        header_summary(tmp_path / "missing.dcm")
    bad = tmp_path / "bad.dcm"
    bad.write_text("hello")
    with pytest.raises(DicomError, match="bad.dcm: could not be read as DICOM"):
        header_summary(bad)

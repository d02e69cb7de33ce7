"""Malformed and impossible DICOM input: miakit.dicom raises a clear error or warns.

A fixture crafts the files (zero bytes, random bytes, truncated pixel data, slope 0,
NaN values, palette colour, RT dose without scaling, series with non-unit or
non-orthogonal cosines, NaN or duplicate positions, gantry tilt, mixed sizes); a fuzz
runs the readers on pydicom's own test files and on corrupted copies of CT_small under
a time limit. The contract: a DicomImage/DicomVolume with finite values, or a
DicomError/ValueError/FileNotFoundError whose message names the file or argument.
"""

from __future__ import annotations

import copy
import signal
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pydicom
import pytest

from miakit.datasets import dicom_file_path
from miakit.dicom import DicomError, read_dicom, read_series

SECONDS_PER_READ = 5


@contextmanager
def time_limit(seconds: int, what: str):
    """Fail (instead of hanging) if the block runs longer than ``seconds``."""

    def handler(signum, frame):
        raise TimeoutError(f"{what} did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _template() -> pydicom.Dataset:
    return pydicom.dcmread(dicom_file_path("CT_small.dcm"))


def _save(ds: pydicom.Dataset, path: Path) -> Path:
    ds.save_as(path)
    return path


def _series(tmp_path: Path, positions, orientation=(1, 0, 0, 0, 1, 0), edit=None) -> list[Path]:
    """Slices of CT_small at the given positions; ``edit(k, ds)`` may change slice k."""
    template = _template()
    uid = pydicom.uid.generate_uid()
    paths = []
    for k, position in enumerate(positions):
        ds = copy.deepcopy(template)
        ds.ImagePositionPatient = list(position)
        ds.ImageOrientationPatient = list(orientation)
        ds.SeriesInstanceUID = uid
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
        if edit is not None:
            edit(k, ds)
        paths.append(_save(ds, tmp_path / f"slice{k}.dcm"))
    return paths


def _z(n: int = 4, gap: float = 2.5):
    return [(0.0, 0.0, gap * k) for k in range(n)]


# --- single files: impossible values -------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "value", "message"),
    [
        ("RescaleSlope", 0, "RescaleSlope must not be 0"),
        ("RescaleSlope", "NaN", "RescaleSlope must be finite"),
        ("RescaleSlope", "inf", "RescaleSlope must be finite"),
        ("RescaleIntercept", "-inf", "RescaleIntercept must be finite"),
        ("RescaleIntercept", "NaN", "RescaleIntercept must be finite"),
    ],
)
def test_impossible_rescale_is_refused(tmp_path, keyword, value, message):
    ds = _template()
    setattr(ds, keyword, value)
    path = _save(ds, tmp_path / "bad_rescale.dcm")
    with pytest.raises(DicomError, match=message) as info:
        read_dicom(path)
    assert "bad_rescale.dcm" in str(info.value)


def test_slope_without_intercept_is_applied(tmp_path):
    ds = _template()
    del ds.RescaleIntercept
    ds.RescaleSlope = 2
    image = read_dicom(_save(ds, tmp_path / "slope_only.dcm"))
    np.testing.assert_array_equal(image.pixels, 2.0 * ds.pixel_array)


def test_nan_pixel_spacing_falls_back_with_warning(tmp_path):
    ds = _template()
    ds.PixelSpacing = ["NaN", "NaN"]
    path = _save(ds, tmp_path / "nan_spacing.dcm")
    with pytest.warns(UserWarning, match="no valid pixel spacing .* assuming 1 mm"):
        image = read_dicom(path)
    assert image.spacing_mm == (1.0, 1.0)


def test_imager_pixel_spacing_is_used_with_warning(tmp_path):
    ds = _template()
    del ds.PixelSpacing
    ds.ImagerPixelSpacing = [0.2, 0.2]
    path = _save(ds, tmp_path / "imager.dcm")
    with pytest.warns(UserWarning, match="using ImagerPixelSpacing"):
        image = read_dicom(path)
    assert image.spacing_mm == (0.2, 0.2)


def test_palette_colour_is_refused():
    with pytest.raises(DicomError, match="PALETTE COLOR stores indices"):
        read_dicom(dicom_file_path("examples_palette.dcm"))


def test_rt_dose_is_scaled_to_dose(tmp_path):
    path = dicom_file_path("rtdose_1frame.dcm")
    ds = pydicom.dcmread(path)
    image = read_dicom(path)
    expected = ds.pixel_array * float(ds.DoseGridScaling)
    np.testing.assert_allclose(image.pixels, expected)
    assert image.units == "relative"  # the file's DoseUnits is RELATIVE
    del ds.DoseGridScaling
    with pytest.raises(DicomError, match="needs a positive DoseGridScaling"):
        read_dicom(_save(ds, tmp_path / "dose.dcm"))


def test_nan_position_is_refused(tmp_path):
    ds = _template()
    ds.ImagePositionPatient = [0, "NaN", 0]
    with pytest.raises(DicomError, match="ImagePositionPatient must be finite"):
        read_dicom(_save(ds, tmp_path / "nan_position.dcm"))


@pytest.mark.parametrize("size", [0, 7, 128, 600, 1000])
def test_truncated_and_tiny_files(tmp_path, size):
    data = Path(dicom_file_path("CT_small.dcm")).read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(data[:size])
    with pytest.raises(DicomError, match="cut.dcm"):
        read_dicom(path)


def test_truncated_pixel_data(tmp_path):
    data = Path(dicom_file_path("CT_small.dcm")).read_bytes()
    path = tmp_path / "short_pixels.dcm"
    path.write_bytes(data[:-1000])
    with pytest.raises(DicomError, match="short_pixels.dcm: pixel data cannot be decoded"):
        read_dicom(path)


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.dcm"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(DicomError, match="noise.dcm"):
        read_dicom(path)


# --- series geometry --------------------------------------------------------------------


def test_non_unit_cosines_are_refused(tmp_path):
    paths = _series(tmp_path, _z(), orientation=(2, 0, 0, 0, 2, 0))
    with pytest.raises(DicomError, match="must hold two unit vectors, got lengths 2 and 2"):
        read_series(paths)


def test_non_orthogonal_cosines_are_refused(tmp_path):
    c = np.sqrt(0.5)
    paths = _series(tmp_path, _z(), orientation=(1, 0, 0, c, c, 0))
    with pytest.raises(DicomError, match="must be orthogonal, got cosine 0.7071"):
        read_series(paths)


def test_rounded_cosines_are_accepted(tmp_path):
    c = 0.707107  # cos 45 degrees written with six decimals
    paths = _series(tmp_path, [(0.0, -2.5 * k * c, 2.5 * k * c) for k in range(4)],
                    orientation=(1, 0, 0, 0, c, c))  # fmt: skip
    volume = read_series(paths)
    assert volume.spacing_mm[0] == pytest.approx(2.5, abs=1e-4)
    np.testing.assert_allclose(np.linalg.norm(volume.direction, axis=1), 1.0)


def test_nan_position_in_series_is_refused(tmp_path):
    positions = _z()
    positions[2] = (0.0, 0.0, float("nan"))
    paths = _series(tmp_path, positions)
    with pytest.raises(DicomError, match="slice2.dcm: ImagePositionPatient must be finite"):
        read_series(paths)


def test_gantry_tilt_is_refused(tmp_path):
    positions = [(0.0, 0.9 * k, 2.5 * k) for k in range(4)]  # in-plane drift along y
    paths = _series(tmp_path, positions, edit=lambda k, ds: setattr(ds, "GantryDetectorTilt", 20))
    with pytest.raises(DicomError, match="slices are sheared"):
        read_series(paths)


def test_duplicate_positions_are_refused(tmp_path):
    paths = _series(tmp_path, [(0.0, 0.0, 0.0)] * 3)
    with pytest.raises(DicomError, match="share the slice position"):
        read_series(paths)


def test_mixed_sizes_are_refused(tmp_path):
    def shrink(k, ds):
        if k == 1:
            small = ds.pixel_array[:64, :64].copy()
            ds.Rows = ds.Columns = 64
            ds.PixelData = small.tobytes()

    paths = _series(tmp_path, _z(), edit=shrink)
    with pytest.raises(DicomError, match=r"shape \(64, 64\) differs"):
        read_series(paths)


def test_empty_path_is_refused():
    with pytest.raises(ValueError, match="paths must name a folder or files, got ''"):
        read_series("")


# --- fuzz ---------------------------------------------------------------------------------


def _pydicom_test_files() -> list[Path]:
    base = Path(dicom_file_path("CT_small.dcm")).parent
    files = [p for p in sorted(base.rglob("*")) if p.is_file() and p.stat().st_size < 2_000_000]
    return [p for p in files if p.suffix in ("", ".dcm")]


def _check_read(path: Path) -> None:
    with time_limit(SECONDS_PER_READ, f"read_dicom({path.name})"):
        try:
            image = read_dicom(path)
        except DicomError as err:
            assert path.name in str(err), f"error does not name the file: {err}"
            return
    assert image.pixels.ndim == 2 and image.pixels.dtype == np.float64
    assert np.all(np.isfinite(image.pixels)), f"{path.name}: non-finite pixels"
    assert all(np.isfinite(image.spacing_mm)) and min(image.spacing_mm) > 0


@pytest.mark.filterwarnings("ignore")
def test_fuzz_pydicom_test_files():
    files = _pydicom_test_files()
    assert len(files) > 100, f"expected > 100 pydicom test files, found {len(files)}"
    for path in files:
        _check_read(path)


@pytest.mark.filterwarnings("ignore")
def test_fuzz_corrupted_ct_small(tmp_path):
    data = bytearray(Path(dicom_file_path("CT_small.dcm")).read_bytes())
    rng = np.random.default_rng(2026)
    header_end = len(data) - 128 * 128 * 2  # corrupt the header, not only the pixels
    for trial in range(60):
        corrupted = bytearray(data)
        for offset in rng.integers(0, header_end, size=int(rng.integers(1, 8))):
            corrupted[offset] = int(rng.integers(0, 256))
        if trial % 3 == 0:
            corrupted = corrupted[: int(rng.integers(0, len(data)))]
        path = tmp_path / f"fuzz{trial}.dcm"
        path.write_bytes(bytes(corrupted))
        _check_read(path)


@pytest.mark.filterwarnings("ignore")
def test_fuzz_series_of_mixed_files(tmp_path):
    files = _pydicom_test_files()
    rng = np.random.default_rng(7)
    for _ in range(15):
        chosen = [files[i] for i in rng.choice(len(files), size=3, replace=False)]
        with time_limit(3 * SECONDS_PER_READ, "read_series"):
            try:
                volume = read_series(chosen)
            except (DicomError, ValueError) as err:
                assert str(err), "empty error message"
                continue
        assert np.all(np.isfinite(volume.array))

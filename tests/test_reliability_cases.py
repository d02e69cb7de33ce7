"""The cases listed in issue 10, one test each (items 2-3 are in test_dicom_malformed.py).

Each test pins the behaviour after the fix: a named error, a warning, or a correct
result, where the old code returned something wrong without a word or hung.
"""

from __future__ import annotations

import datetime as dt
import time

import matplotlib
import numpy as np
import pydicom
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from miakit import cohort, datasets, denoise, dicom, filters, inpaint, metrics, noise, viz  # noqa: E402
from miakit.registration import to_sitk  # noqa: E402
from miakit.segmentation import clean_mask, multi_otsu_tissues  # noqa: E402

# --- item 4: no unbounded work ------------------------------------------------------------


@pytest.mark.parametrize("classes", [6, 50])
def test_multi_otsu_classes_capped(classes):
    image = np.random.default_rng(0).random((16, 16))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=f"classes must be <= 5 .*got {classes}"):
        multi_otsu_tissues(image, classes=classes)
    assert time.perf_counter() - start < 1.0, "the cap must apply before any search"


def test_inpaint_tv_iterations_and_work_capped():
    image = np.zeros((64, 64))
    mask = np.zeros(image.shape, bool)
    mask[2:60, 2:60] = True
    with pytest.raises(ValueError, match="n_iter must be <= 100000, got 1000000000000"):
        inpaint.inpaint_tv(image, mask, n_iter=10**12)
    with pytest.raises(ValueError, match="n_iter=90000 iterations over the hole's 3844-voxel"):
        inpaint.inpaint_tv(image, mask, n_iter=90_000)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: filters.frequency_response((10**6, 10**6), cutoff=0.2), "shape must have at most"),
        (lambda: metrics.entropy(np.zeros((4, 4)), bins=10**9), "bins must be <= 1.04858e"),
        (lambda: denoise.denoise(np.zeros((8, 8)), "gaussian", sigma=1e9), "sigma must be <= 64"),
        (lambda: denoise.denoise(np.zeros((8, 8)), "median", size=10**6), "size must be <= 64"),
        (lambda: clean_mask(np.ones((8, 8), bool), opening_radius=10**9), "opening_radius must be <="),
        (lambda: viz.show_montage(np.zeros((2, 4, 4)), ncols=10**9), "ncols must be <= 2"),
        (lambda: cohort.generate_slices(10**9, size=16), "n_subjects \\* slices_per_subject"),
        (lambda: denoise.tune_denoiser(np.zeros((8, 8)), np.zeros((8, 8)), "gaussian",
                                       {"sigma": list(np.linspace(0.1, 2, 2000))}, data_range=1.0), "grid size"),
    ],
)  # fmt: skip
def test_options_that_explode_are_capped(call, message):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        call()
    plt.close("all")
    assert time.perf_counter() - start < 2.0


# --- item 5: cohort arguments --------------------------------------------------------------


@pytest.mark.parametrize("lesion", ["no", 0.5, "False"])
def test_make_subject_lesion_must_be_bool(lesion):
    with pytest.raises(TypeError, match="lesion must be True or False"):
        cohort.make_subject(0, lesion=lesion)


def test_render_volume_timepoint_capped():
    subject = cohort.make_subject(0, age=60.0)
    with pytest.raises(ValueError, match="timepoint must be <= 10 .*got 100"):
        cohort.render_volume(subject, shape=(16, 16, 16), timepoint=100)
    old = cohort.make_subject(0, age=95.0)
    with pytest.raises(ValueError, match="timepoint 8 makes the subject 103 years old"):
        cohort.render_volume(old, shape=(16, 16, 16), timepoint=8)


def test_export_dicom_series_leap_day_and_names(tmp_path):
    volume = cohort.render_volume(cohort.make_subject(3, age=40.0), shape=(16, 16, 16))
    files = cohort.export_dicom_series(volume, tmp_path / "leap", study_date=dt.date(2024, 2, 29))
    ds = pydicom.dcmread(files[0])
    assert ds.StudyDate == "20240229" and ds.PatientBirthDate == "19840229"
    with pytest.raises(ValueError, match="patient_name must have at most 64 characters"):
        cohort.export_dicom_series(volume, tmp_path / "long", patient_name="A" * 65)
    with pytest.raises(ValueError, match="institution_name must .* no backslash"):
        cohort.export_dicom_series(volume, tmp_path / "bs", institution_name="St\\Mary")
    files = cohort.export_dicom_series(volume, tmp_path / "utf8", patient_name="Müller^Zoë")
    ds = pydicom.dcmread(files[0])
    assert ds.SpecificCharacterSet == "ISO_IR 192" and str(ds.PatientName) == "Müller^Zoë"


def test_export_nifti_refuses_a_folder(tmp_path):
    volume = cohort.render_volume(cohort.make_subject(4), shape=(16, 16, 16))
    with pytest.raises(ValueError, match="path must name a .nii or .nii.gz file"):
        cohort.export_nifti(volume, tmp_path)
    assert not (tmp_path.parent / f"{tmp_path.name}.nii").exists()


def test_cached_template_is_read_only():
    mni = datasets.load_mni152(2)
    for name in ("t1", "gm", "wm", "csf", "brain_mask", "affine"):
        assert not getattr(mni, name).flags.writeable, f"{name} of the cached template is writable"
    with pytest.raises(ValueError, match="read-only"):
        mni.affine[:3, 3] += 20


# --- item 7: smaller ones ------------------------------------------------------------------


def test_show_image_and_montage_accept_bool_masks():
    mask = np.zeros((6, 6), bool)
    mask[2:4, 2:4] = True
    ax = viz.show_image(mask)
    assert ax.images[0].get_array().max() == 1.0
    ax = viz.show_montage([mask, ~mask])
    assert ax.images[0].get_array().shape == (6, 12)
    plt.close("all")


def test_denoise_keeps_length_one_axes():
    out = denoise.denoise(np.ones((1, 5)), "nl_means")
    assert out.shape == (1, 5)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_and_inf_refused_for_level_origin_and_window(bad):
    with pytest.raises(ValueError, match="level must be finite"):
        dicom.apply_window(np.zeros((2, 2)), level=bad, width=400)
    with pytest.raises(ValueError, match="window must have a finite level"):
        viz.window_limits((bad, 400))
    with pytest.raises(ValueError, match="origin_mm must be finite"):
        to_sitk(np.zeros((4, 4)), origin_mm=(0.0, bad))
    with pytest.raises(ValueError, match="vmin must be finite"):
        viz.show_image(np.zeros((4, 4)), vmin=bad)


def test_empty_and_wildcard_paths_refused():
    with pytest.raises(ValueError, match="paths must name a folder or files, got ''"):
        dicom.read_series("")
    with pytest.raises(ValueError, match="path must not be empty"):
        dicom.read_dicom("")
    with pytest.raises(ValueError, match="name must be a plain file name"):
        datasets.dicom_file_path("")
    with pytest.raises(ValueError, match="name must be a plain file name"):
        datasets.dicom_file_path("*.dcm")


# --- errors that name the argument (the ~260 internal messages) -----------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: noise.add_gaussian_noise(np.zeros((4, 4)), sigma=1, rng=float("nan")), TypeError,
         "rng must be None, an integer seed"),
        (lambda: noise.add_noise(np.zeros((4, 4)), "gaussian", None), TypeError,
         r"level \(the sigma of gaussian noise\) must be a number"),
        (lambda: filters.frequency_filter(np.zeros((4, 4)), cutoff=0.2, kind=np.array([])), TypeError,
         "kind must be one of"),
        (lambda: filters.frequency_response((4, 4), cutoff=0.2, high_pass="yes"), TypeError,
         "high_pass must be True or False"),
        (lambda: filters.edge_width(np.arange(8.0), low=None), TypeError, "low must be a number"),
        (lambda: metrics.hd95(np.ones((4, 4)), np.ones((4, 4)), spacing_mm="x"), TypeError,
         "spacing_mm must be a number"),
        (lambda: metrics.entropy(np.zeros((4, 4)), value_range=float("nan")), TypeError,
         "value_range must be two numbers"),
        (lambda: dicom.nifti_affine(None), TypeError, "volume must be a DicomVolume"),
        (lambda: dicom.read_dicom(None), TypeError, "path must be a str or path-like"),
        (lambda: dicom.read_series(None), TypeError, "paths must be a folder or a sequence"),
        (lambda: viz.show_image(np.zeros((4, 4)), ax=1.0), TypeError, "ax must be a matplotlib Axes"),
        (lambda: viz.show_image(np.zeros((4, 4)), cmap="nope"), ValueError, "cmap must be a matplotlib"),
        (lambda: viz.show_overlay(np.zeros((4, 4)), np.zeros((4, 4)), color=None), ValueError,
         "color must be a matplotlib colour"),
        (lambda: denoise.tune_denoiser(np.zeros((8, 8)), np.zeros((8, 8)), "gaussian", None, data_range=1.0), TypeError,
         "grid must be a mapping"),
        (lambda: denoise.tune_denoiser(np.zeros((8, 8)), np.zeros((8, 8)), "gaussian",
                                       {"sigma": [-1.0]}, data_range=1.0), ValueError, r"grid point \{'sigma': -1.0\}: sigma"),
        (lambda: cohort.generate_slices(1, size=None), TypeError, "size must be an integer"),
        (lambda: cohort.generate_slices(1, size=16, contrasts=None), TypeError,
         "contrasts must be a sequence"),
        (lambda: cohort.make_subject(0, age="x"), TypeError, "age must be a number"),
    ],
)  # fmt: skip
def test_errors_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
    plt.close("all")


def test_hu_and_spin_echo_refuse_nan():
    from miakit.physics import hu_from_mu, mu_from_hu, spin_echo_signal

    with pytest.raises(ValueError, match="mu_per_cm must contain only finite values"):
        hu_from_mu(np.array([0.2, np.nan]), mu_water_per_cm=0.19)
    with pytest.raises(ValueError, match="hu must contain only finite values"):
        mu_from_hu(np.array([np.inf]), mu_water_per_cm=0.19)
    with pytest.raises(ValueError, match="pd must contain only finite values"):
        spin_echo_signal(np.array([np.nan]), 800.0, 80.0, tr_ms=500.0, te_ms=20.0)
    with pytest.raises(ValueError, match="pd, t1_ms and t2_ms must broadcast together"):
        spin_echo_signal(np.ones((3, 3)), np.ones((2, 2)), 80.0, tr_ms=500.0, te_ms=20.0)

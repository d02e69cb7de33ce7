"""Tests of miakit.cohort (and miakit.cohort_torch): small cases, real checks."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pydicom
import pytest
from scipy import ndimage

from miakit import _cohort_anatomy as anat
from miakit import cohort
from miakit.cohort import (
    CONTRASTS,
    SITES,
    TISSUE_LABELS,
    export_dicom_series,
    export_nifti,
    generate_slices,
    make_subject,
    render_volume,
)

SHAPE = (48, 48, 48)


@pytest.fixture(scope="module")
def tumour_volume():
    """Site A (low noise), a tumour-bearing subject, all contrasts."""
    sid = next(i for i in range(50) if make_subject(i, lesion=True).lesion_type == "tumour")
    subject = make_subject(sid, site="A", lesion=True)
    return render_volume(subject, contrasts=CONTRASTS, shape=(64, 64, 64))


# --- determinism -------------------------------------------------------------------------


def test_same_seed_same_arrays_and_metadata():
    a = generate_slices(6, size=32, slices_per_subject=2, contrasts=("T1w", "FLAIR"), seed=3)
    b = generate_slices(6, size=32, slices_per_subject=2, contrasts=("T1w", "FLAIR"), seed=3)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.lesion_masks, b.lesion_masks)
    assert a.metadata.equals(b.metadata)
    c = generate_slices(6, size=32, slices_per_subject=2, contrasts=("T1w", "FLAIR"), seed=4)
    assert not np.array_equal(a.images, c.images)


def test_order_of_calls_does_not_matter():
    forward = [make_subject(i, seed=2).metadata for i in range(5)]
    backward = [make_subject(i, seed=2).metadata for i in reversed(range(5))][::-1]
    assert forward == backward
    # subject 4 of a 5-subject cohort is subject 4 of a 3-subject-longer cohort
    small = generate_slices(5, size=32, seed=2)
    large = generate_slices(8, size=32, seed=2)
    np.testing.assert_array_equal(small.images[4], large.images[4])


def test_forcing_site_or_label_keeps_anatomy_and_demographics():
    free = make_subject(7, seed=1)
    forced = make_subject(7, seed=1, site="C", lesion=not bool(free.label))
    assert (forced.age, forced.sex, forced.head_scale) == (free.age, free.sex, free.head_scale)
    np.testing.assert_array_equal(forced.deformation_mm, free.deformation_mm)


def test_generate_slices_matches_render_volume_slice():
    data = generate_slices(3, size=32, contrasts=("T2w",), seed=5)
    row = data.metadata.iloc[2]
    subject = make_subject(2, seed=5, site=row.site)
    volume = render_volume(subject, contrasts=("T2w",), shape=(32, 32, 32))
    np.testing.assert_allclose(data.images[2, 0], volume.images["T2w"][row.slice_index])
    np.testing.assert_array_equal(data.tissue_labels[2], volume.tissue_labels[row.slice_index])


# --- masks, labels, volumes --------------------------------------------------------------


@pytest.mark.parametrize("sid", range(6))
def test_masks_consistent_with_labels_and_volumes(sid):
    subject = make_subject(sid, seed=9)
    volume = render_volume(subject, shape=SHAPE)
    voxel_mm3 = float(np.prod(volume.spacing_mm))
    assert volume.metadata["lesion_volume_mm3"] == pytest.approx(
        volume.lesion_mask.sum() * voxel_mm3
    )
    assert np.array_equal(volume.tissue_labels == 4, volume.lesion_mask)
    if subject.label == 0:
        assert not volume.lesion_mask.any() and subject.lesion_volume_mm3() == 0
    else:
        # the model volume ignores the deformation; at 4 mm voxels they agree within ~50 %
        ratio = volume.metadata["lesion_volume_mm3"] / subject.lesion_volume_mm3()
        assert 0.5 < ratio < 1.6


def test_output_types_shapes_and_ranges(tumour_volume):
    vol = tumour_volume
    assert set(vol.images) == set(CONTRASTS)
    for image in vol.images.values():
        assert image.dtype == np.float32 and image.shape == (64, 64, 64)
        assert image.min() >= 0
    assert vol.lesion_mask.dtype == bool and vol.tissue_labels.dtype == np.uint8
    assert set(np.unique(vol.tissue_labels)) <= set(TISSUE_LABELS)
    assert vol.tissue_probabilities.shape == (3, 64, 64, 64)
    assert vol.tissue_probabilities.max() <= 1.0 + 1e-6
    assert (vol.tissue_probabilities.sum(axis=0) <= 1.0 + 1e-5).all()
    assert vol.spacing_mm == (3.0, 3.0, 3.0)


def test_lesion_intensity_ordering_per_contrast(tumour_volume):
    vol = tumour_volume
    labels, core = vol.tissue_labels, ndimage.binary_erosion(vol.lesion_mask)
    wm = ndimage.binary_erosion(labels == 3) & ~ndimage.binary_dilation(
        vol.lesion_mask, iterations=4
    )
    gm, csf = labels == 2, ndimage.binary_erosion(labels == 1)
    mean = {c: {k: float(vol.images[c][m].mean()) for k, m in
                (("lesion", core), ("WM", wm), ("GM", gm), ("CSF", csf))} for c in CONTRASTS}  # fmt: skip
    assert mean["T1w"]["lesion"] < mean["T1w"]["GM"] < mean["T1w"]["WM"]
    assert mean["T2w"]["lesion"] > mean["T2w"]["GM"] > mean["T2w"]["WM"]
    assert mean["FLAIR"]["lesion"] > max(mean["FLAIR"][t] for t in ("WM", "GM", "CSF"))
    assert mean["FLAIR"]["CSF"] < mean["FLAIR"]["WM"]
    assert mean["T2w"]["CSF"] > mean["T2w"]["GM"]


def test_lesions_grow_over_time_and_anatomy_stays():
    subject = make_subject(1, seed=0, lesion=True)
    v0 = render_volume(subject, shape=SHAPE, timepoint=0)
    v2 = render_volume(subject, shape=SHAPE, timepoint=2)
    assert v2.metadata["lesion_volume_mm3"] > v0.metadata["lesion_volume_mm3"]
    assert subject.lesion_volume_mm3(2) == pytest.approx(
        subject.lesion_volume_mm3(0) * subject.growth_per_timepoint**2
    )
    outside = ~(v0.lesion_mask | v2.lesion_mask)
    agree = (v0.tissue_labels == v2.tissue_labels)[outside].mean()
    assert agree > 0.95
    assert v2.metadata["age"] == pytest.approx(v0.metadata["age"] + 2, abs=0.11)


def test_age_enlarges_csf_and_sex_sets_head_size():
    young = render_volume(make_subject(3, age=25, sex="F", lesion=False), shape=SHAPE)
    old = render_volume(make_subject(3, age=85, sex="F", lesion=False), shape=SHAPE)
    male = render_volume(make_subject(3, age=25, sex="M", lesion=False), shape=SHAPE)
    csf_young = young.tissue_probabilities[0].sum()
    assert old.tissue_probabilities[0].sum() > 1.2 * csf_young
    brain = young.tissue_probabilities.sum()
    # (1.018 / 0.982) ** 3 = 1.11: about 11 % more brain in males, as in real cohorts
    ratio = male.tissue_probabilities.sum() / brain
    assert 1.07 < ratio < 1.16, f"expected male/female brain volume 1.07-1.16, measured {ratio:.3f}"


# --- sites ---------------------------------------------------------------------------------


def test_sites_differ_in_noise_and_bias():
    noise, bias = {}, {}
    for site in ("A", "B", "C", "D"):
        vol = render_volume(make_subject(4, site=site, lesion=False), shape=(48, 64, 64))
        image = vol.images["T1w"] / SITES[site].intensity_scale
        background = vol.tissue_probabilities.sum(axis=0) < 0.01
        # Rayleigh background: mean = sigma * sqrt(pi / 2)
        noise[site] = image[background].mean() / np.sqrt(np.pi / 2)
        # low-frequency non-uniformity: spread of mean WM signal over the 8 octants
        wm = ndimage.binary_erosion(vol.tissue_labels == 3, iterations=1)
        octants = [
            image[z : z + 24, y : y + 32, x : x + 32][wm[z : z + 24, y : y + 32, x : x + 32]]
            for z in (0, 24) for y in (0, 32) for x in (0, 32)
        ]  # fmt: skip
        means = np.array([o.mean() for o in octants if o.size > 20])
        bias[site] = means.std() / means.mean()
    for site, value in noise.items():
        assert value == pytest.approx(SITES[site].noise_sigma, rel=0.25)
    assert bias["B"] > 2 * bias["A"], bias


def test_prevalence_is_honoured():
    labels = {p: np.array([make_subject(i, prevalence=p).label for i in range(400)])
              for p in (0.0, 0.1, 0.5, 1.0)}  # fmt: skip
    assert labels[0.0].sum() == 0 and labels[1.0].all()
    assert abs(labels[0.1].mean() - 0.1) < 0.05  # binomial sd 0.015
    assert abs(labels[0.5].mean() - 0.5) < 0.08
    assert (labels[0.1] <= labels[0.5]).all()  # raising prevalence only adds positives


def test_sites_argument_restricts_sites():
    data = generate_slices(12, size=32, sites=["B", "D"])
    assert set(data.metadata.site) <= {"B", "D"} and len(set(data.metadata.site)) == 2


def test_slices_of_one_subject_never_share_ids():
    data = generate_slices(5, size=32, slices_per_subject=3, slice_range=(0.3, 0.7))
    meta = data.metadata
    assert len(meta) == 15
    for sid, rows in meta.groupby("subject_id"):
        assert len(rows) == 3 and rows.slice_index.is_unique
        assert (rows.index == np.arange(3 * sid, 3 * sid + 3)).all()
        assert rows.site.nunique() == rows.age.nunique() == rows.label.nunique() == 1
    area = data.lesion_masks.sum(axis=(1, 2)) * float(np.prod(data.spacing_mm))
    np.testing.assert_allclose(meta.slice_lesion_area_mm2, area)
    assert ((meta.slice_lesion_area_mm2 > 0) <= (meta.label == 1)).all()


# --- export ---------------------------------------------------------------------------------


def test_nifti_affine_places_the_lesion_where_the_model_put_it(tmp_path, tumour_volume):
    path = export_nifti(tumour_volume, tmp_path / "s.nii.gz", contrast="FLAIR")
    image = nib.load(path)
    np.testing.assert_allclose(image.affine, tumour_volume.affine)
    np.testing.assert_allclose(
        image.get_fdata(), tumour_volume.images["FLAIR"].transpose(2, 1, 0), rtol=1e-6
    )
    assert nib.aff2axcodes(image.affine) == ("L", "P", "S")
    meta = tumour_volume.metadata
    subject = make_subject(meta["subject_id"], site="A", lesion=True)
    centre = anat.CENTRE_RAS + (np.array(subject.lesions[0].centre_mm) - anat.CENTRE_RAS) * (
        subject.head_scale
    )
    k, i, j = np.argwhere(tumour_volume.lesion_mask).mean(axis=0)
    found = image.affine @ np.array([j, i, k, 1.0])
    # deformation (~2 mm) and irregular shape shift the centroid a little
    np.testing.assert_allclose(found[:3], centre, atol=8.0)


def test_dicom_series_round_trips(tmp_path):
    from miakit.dicom import nifti_affine, read_series

    volume = render_volume(make_subject(6, site="C"), contrasts=("T1w", "PD"), shape=(20, 24, 32))
    files = export_dicom_series(volume, tmp_path, contrast="PD")
    assert len(files) == 20
    ds = pydicom.dcmread(files[3])
    assert ds.SOPInstanceUID != pydicom.dcmread(files[4]).SOPInstanceUID
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "InstitutionName",
                    "ReferringPhysicianName", "StudyDate", "AccessionNumber"):  # fmt: skip
        assert str(getattr(ds, keyword)) != ""
    slope = float(ds.RescaleSlope)
    values = pydicom.pixels.apply_modality_lut(ds.pixel_array, ds)
    np.testing.assert_allclose(values, volume.images["PD"][3], atol=slope)
    stacked = read_series(tmp_path)
    np.testing.assert_allclose(stacked.array, volume.images["PD"], atol=slope)
    np.testing.assert_allclose(stacked.spacing_mm, volume.spacing_mm)
    np.testing.assert_allclose(nifti_affine(stacked), volume.affine, atol=1e-4)
    again = export_dicom_series(volume, tmp_path / "again", contrast="PD")
    assert pydicom.dcmread(again[3]).SOPInstanceUID == ds.SOPInstanceUID  # deterministic


def test_dicom_export_keeps_empty_strings_and_slice_thickness(tmp_path):
    volume = render_volume(make_subject(6, site="C"), shape=(20, 24, 32))
    files = export_dicom_series(
        volume, tmp_path, patient_name="", patient_id="", institution_name="",
        slice_thickness_mm=3.0 * volume.spacing_mm[0],
    )  # fmt: skip
    ds = pydicom.dcmread(files[0])
    assert (str(ds.PatientName), ds.PatientID, ds.InstitutionName) == ("", "", "")
    # PixelSpacing is (row spacing, column spacing) = (dy, dx); the volume is anisotropic
    sz, sy, sx = volume.spacing_mm
    assert sy != sx
    np.testing.assert_allclose([float(v) for v in ds.PixelSpacing], [sy, sx], atol=1e-6)
    assert float(ds.SliceThickness) == pytest.approx(3.0 * sz, abs=1e-6)
    assert float(ds.SpacingBetweenSlices) == pytest.approx(sz, abs=1e-6)
    from miakit.dicom import read_series

    # the z spacing of the volume comes from the positions, not from SliceThickness
    assert read_series(tmp_path).spacing_mm[0] == pytest.approx(sz, abs=1e-5)
    default = pydicom.dcmread(export_dicom_series(volume, tmp_path / "default")[0])
    assert str(default.PatientName) != "" and float(default.SliceThickness) == pytest.approx(sz)


def test_export_rejects_unrendered_contrast(tmp_path):
    volume = render_volume(make_subject(0), shape=(16, 16, 16))
    with pytest.raises(ValueError, match="contrast must be one of"):
        export_nifti(volume, tmp_path / "x.nii", contrast="FLAIR")
    with pytest.raises(TypeError, match="volume must be a CohortVolume"):
        export_dicom_series(np.zeros((4, 4, 4)), tmp_path)
    with pytest.raises(ValueError, match="slice_thickness_mm must be finite and > 0"):
        export_dicom_series(volume, tmp_path, slice_thickness_mm=0.0)


# --- internals checked against libraries ---------------------------------------------------


def test_trilinear_sampling_matches_scipy():
    subject = make_subject(0)
    z, y, x = anat.grid_axes((20, 24, 24))
    points = anat.template_points(
        z, y, x, head_scale=1.05, atrophy=0.2, deformation_mm=subject.deformation_mm
    )
    ours = anat.sample_tissues(points, 8.0)
    maps, origin = anat.template_maps()
    idx = (points[::-1] - origin[::-1, None, None, None]) / 2.0
    ref = np.stack([ndimage.map_coordinates(m, idx, order=1, mode="nearest")
                    for m in anat.smoothed_maps(8.0)])  # fmt: skip
    np.testing.assert_allclose(ours, np.clip(ref, 0, 1), atol=1e-5)


# --- bad arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"size": 8}, ValueError, "shape must be >= 16"),
        ({"size": 1000}, ValueError, r"shape must have sizes in \[16, 512\]"),
        ({"prevalence": 1.5}, ValueError, r"prevalence must lie in \[0, 1\]"),
        ({"prevalence": -0.1}, ValueError, r"prevalence must lie in \[0, 1\]"),
        ({"contrasts": ("T1w", "DWI")}, ValueError, "contrasts must be one of"),
        ({"contrasts": ()}, ValueError, "contrasts must be non-empty"),
        ({"sites": ["A", "Z"]}, ValueError, "sites must be one of"),
        ({"sites": []}, ValueError, "sites must name at least one site"),
        ({"slice_range": (0.7, 0.3)}, ValueError, "slice_range must satisfy"),
        ({"slices_per_subject": 0}, ValueError, "slices_per_subject must be >= 1"),
        ({"slices_per_subject": 40}, ValueError, "more than the"),
        ({"timepoint": -1}, ValueError, "timepoint must be >= 0"),
    ],
)
def test_generate_slices_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        generate_slices(2, **{"size": 32, **kwargs})


def test_generate_slices_rejects_bad_subject_count():
    with pytest.raises(ValueError, match="n_subjects must be >= 1"):
        generate_slices(0)
    with pytest.raises(TypeError, match="n_subjects must be an integer"):
        generate_slices(2.5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"site": "Q"}, ValueError, "site must be one of"),
        ({"prevalence": 2}, ValueError, r"prevalence must lie in \[0, 1\]"),
        ({"age": 5}, ValueError, r"age must lie in \[18, 100\]"),
        ({"sex": "X"}, ValueError, "sex must be one of"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
    ],
)
def test_make_subject_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_subject(0, **kwargs)


def test_render_volume_rejects_bad_arguments():
    subject = make_subject(0)
    with pytest.raises(ValueError, match="contrasts must be one of"):
        render_volume(subject, contrasts=("T3",))
    with pytest.raises(ValueError, match=r"shape must be \(Z, Y, X\)"):
        render_volume(subject, shape=(32, 32))
    with pytest.raises(ValueError, match="shape must be >= 16"):
        render_volume(subject, shape=(32, 32, 4))
    with pytest.raises(TypeError, match="subject must be a Subject"):
        render_volume({"subject_id": 0})
    with pytest.raises(ValueError, match="subject_id must be >= 0"):
        make_subject(-3)


def test_cohort_import_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, miakit.cohort; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- torch wrapper -----------------------------------------------------------------------------


def test_torch_dataset_applies_joint_transform():
    torch = pytest.importorskip("torch")
    from miakit.cohort_torch import CohortSliceDataset

    data = generate_slices(3, size=32, contrasts=("T1w", "T2w"), prevalence=1.0)
    plain = CohortSliceDataset(data)
    flipped = CohortSliceDataset(data, transform=lambda im, m: (im[..., ::-1], m[..., ::-1]))
    for i in range(len(plain)):
        image, mask = plain[i]
        image_f, mask_f = flipped[i]
        assert image.shape == (2, 32, 32) and image.dtype == torch.float32
        assert mask.dtype == torch.int64
        torch.testing.assert_close(image_f, torch.flip(image, dims=[-1]))
        torch.testing.assert_close(mask_f, torch.flip(mask, dims=[-1]))
    tissue = CohortSliceDataset(data, target="tissue")
    assert int(tissue[0][1].max()) <= 4
    with pytest.raises(TypeError, match="transform must be callable"):
        CohortSliceDataset(data, transform=3)
    with pytest.raises(TypeError, match="slices must be CohortSlices"):
        CohortSliceDataset(data.images)
    with pytest.raises(ValueError, match="target must be one of"):
        CohortSliceDataset(data, target="edges")


def test_public_api_is_listed():
    for name in cohort.__all__:
        assert hasattr(cohort, name)

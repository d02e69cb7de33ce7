"""Tests for miakit.datasets: provenance registry and offline loaders."""

from __future__ import annotations

import numpy as np
import pytest

from miakit.datasets import (
    SOURCES,
    DataSource,
    dicom_file_path,
    load_dipy_t1_slice,
    load_mni152,
    load_nibabel_example,
    load_skimage_image,
    require_package,
)


def test_sources_have_provenance():
    assert {"pydicom", "pydicom-data", "mni152", "nibabel", "dipy", "skimage"} <= set(SOURCES)
    for key, source in SOURCES.items():
        assert isinstance(source, DataSource)
        assert source.key == key
        for text in (source.title, source.origin, source.licence, source.attribution):
            assert text.strip()
    # the MNI licence requires its copyright notice to travel with the data
    assert "Copyright" in SOURCES["mni152"].licence


def test_require_package():
    assert require_package("nibabel").__name__ == "nibabel"
    with pytest.raises(ValueError, match="source must be one of"):
        require_package("brainweb")


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "RG1_UNCR.dcm", "693_UNCR.dcm"])
def test_dicom_file_path_finds_samples(name):
    path = dicom_file_path(name)
    assert path.name == name
    assert path.is_file()


def test_dicom_file_path_unknown_name():
    with pytest.raises(FileNotFoundError, match="'nope.dcm' is not a pydicom sample file"):
        dicom_file_path("nope.dcm")


def test_load_mni152_2mm():
    mni = load_mni152(2)
    assert mni.t1.shape == (99, 117, 95)
    assert mni.spacing_mm == (2.0, 2.0, 2.0)
    for tissue in (mni.gm, mni.wm, mni.csf):
        assert tissue.shape == mni.t1.shape
        assert tissue.min() >= 0 and tissue.max() <= 1
    assert np.all(mni.gm + mni.wm + mni.csf <= 1 + 1e-4)
    assert mni.brain_mask.dtype == bool
    # RAS+: the first axis runs from left to right with positive spacing
    assert mni.affine[0, 0] > 0
    assert not mni.t1.flags.writeable
    assert load_mni152(2) is mni  # cached


@pytest.mark.parametrize("bad", [3, 0, "2", True])
def test_load_mni152_bad_resolution(bad):
    with pytest.raises(ValueError, match="resolution_mm must be 1 or 2"):
        load_mni152(bad)


def test_load_nibabel_example():
    img = load_nibabel_example("anatomical.nii")
    assert img.shape == (33, 41, 25)
    np.testing.assert_allclose(img.header.get_zooms(), (2.0, 2.0, 2.0))
    with pytest.raises(ValueError, match="name must be one of"):
        load_nibabel_example("brain.nii")


def test_load_dipy_t1_slice():
    img = load_dipy_t1_slice()
    assert img.array.ndim == 2
    assert img.array.dtype == np.float64
    assert img.array.max() > img.array.min()
    assert img.metadata["units"] == "arbitrary"


@pytest.mark.parametrize(
    ("name", "ndim"), [("retina", 3), ("microaneurysms", 2), ("ihc", 3), ("shepp_logan", 2)]
)
def test_load_skimage_image(name, ndim):
    img = load_skimage_image(name)
    assert img.array.ndim == ndim
    assert 0.0 <= img.array.min() and img.array.max() <= 1.0


def test_load_skimage_image_unknown():
    with pytest.raises(ValueError, match="name must be one of"):
        load_skimage_image("brain")

"""The registry of the book's offline data sources: provenance, licence, attribution.

Private part of :mod:`miakit.datasets` (import :data:`SOURCES` and :class:`DataSource`
from there). The book's *Datasets and licences* page is rendered from this registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataSource:
    """Provenance of one offline data source.

    Attributes
    ----------
    key : str
        Short identifier used in the book.
    title : str
        Human-readable name.
    package : str
        Python package (import name) that ships the files.
    pip_name : str
        Name to give ``pip install`` if the package is missing.
    contents : str
        What the book uses from it.
    origin : str
        Where the files come from (URL or publication).
    licence : str
        Licence or terms of use.
    attribution : str
        Notice or citation the book must show when using the data.
    """

    key: str
    title: str
    package: str
    pip_name: str
    contents: str
    origin: str
    licence: str
    attribution: str
    used_in: tuple[str, ...] = field(default_factory=tuple)


SOURCES: dict[str, DataSource] = {
    source.key: source
    for source in (
        DataSource(
            key="pydicom",
            title="pydicom test files",
            package="pydicom",
            pip_name="pydicom",
            contents=(
                "CT_small.dcm (128x128 CT crop, HU via rescale), MR_small.dcm, RT dose and "
                "structure sets, a DICOMDIR tree, and deliberately malformed files "
                "(MR_truncated.dcm, no_meta.dcm, badVR.dcm)"
            ),
            origin="https://github.com/pydicom/pydicom (CT/MR crops of the NEMA WG04 samples)",
            licence="MIT (pydicom); the test files are redistributed with pydicom as samples",
            attribution="Test files distributed with pydicom (Mason et al., pydicom).",
        ),
        DataSource(
            key="pydicom-data",
            title="pydicom-data sample store",
            package="data_store",
            pip_name="pydicom-data",
            contents=(
                "full-size CR chest X-ray (RG1_UNCR.dcm), CR tibia (RG3_UNCR.dcm), head CT "
                "(693_UNCR.dcm), shoulder MR (MR2_UNCR.dcm), abdominal MR with an overlay, "
                "Doppler ultrasound with burned-in text (US1_UNCR.dcm)"
            ),
            origin="https://github.com/pydicom/pydicom-data (NEMA WG04 compression samples)",
            licence="MIT (pydicom-data package)",
            attribution="Sample files from pydicom-data and the NEMA WG04 data sets.",
        ),
        DataSource(
            key="mni152",
            title="MNI ICBM152 2009a nonlinear symmetric template (via nilearn)",
            package="nilearn",
            pip_name="nilearn",
            contents="1 mm T1-weighted brain template with grey and white matter probability maps",
            origin="https://www.bic.mni.mcgill.ca/ServicesAtlases/ICBM152NLin2009",
            licence=(
                "Copyright (C) 1993-2009 Louis Collins, McConnell Brain Imaging Centre, "
                "Montreal Neurological Institute, McGill University. Permission to use, copy, "
                "modify and distribute this data and its documentation for any purpose is "
                "granted without fee, provided that the above copyright notice appears in all "
                "copies. The authors and McGill University make no representations about the "
                "suitability of this data for any purpose; it is provided 'as is' without "
                "express or implied warranty."
            ),
            attribution=(
                "Cite Fonov et al. (2009, 2011) and Collins et al. (1999); the files are "
                "shipped by nilearn (BSD licence)."
            ),
        ),
        DataSource(
            key="nibabel",
            title="nibabel test data",
            package="nibabel",
            pip_name="nibabel",
            contents=(
                "anatomical.nii (33x41x25, 2 mm), reoriented_anat_moved.nii, example4d.nii.gz (EPI)"
            ),
            origin="https://github.com/nipy/nibabel (nibabel/tests/data)",
            licence="MIT (nibabel)",
            attribution="Test data distributed with nibabel (Brett et al., nibabel).",
        ),
        DataSource(
            key="dipy",
            title="dipy data files",
            package="dipy",
            pip_name="dipy",
            contents="t1_coronal_slice.npy (skull-stripped T1 slice), test_piesno.nii.gz",
            origin="https://github.com/dipy/dipy (dipy/data/files)",
            licence="BSD 3-Clause (dipy)",
            attribution="Data distributed with DIPY (Garyfallidis et al. 2014).",
        ),
        DataSource(
            key="skimage",
            title="scikit-image sample images",
            package="skimage",
            pip_name="scikit-image",
            contents=(
                "retina.jpg (fundus photograph), microaneurysms.png, ihc.png, Shepp-Logan phantom"
            ),
            origin=(
                "https://scikit-image.org (retina: Wikimedia Commons, Haggstrom 2014; "
                "microaneurysms: FAU fundus image database)"
            ),
            licence="CC0 / public domain (retina, microaneurysms); BSD (scikit-image)",
            attribution="Images distributed with scikit-image (van der Walt et al. 2014).",
        ),
    )
}

"""Tables of DICOM header elements grouped by information-model module (private).

Used by :func:`miakit.dicom.header_summary`, the public entry point (chapter 01),
which checks its input and reads the file; this module only builds the table.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pydicom
from pydicom.dataset import Dataset

__all__ = ["header_table"]

_BY_KEYWORD = {
    **dict.fromkeys(
        "StudyInstanceUID StudyDate StudyTime StudyID AccessionNumber StudyDescription "
        "ReferringPhysicianName".split(), "study"),
    **dict.fromkeys(
        "SeriesInstanceUID SeriesNumber SeriesDescription Modality SeriesDate SeriesTime "
        "BodyPartExamined PatientPosition ProtocolName".split(), "series"),
    **dict.fromkeys(
        "Manufacturer ManufacturerModelName StationName SoftwareVersions InstitutionName".split(), "equipment"),
    **dict.fromkeys("FrameOfReferenceUID PositionReferenceIndicator".split(), "frame of reference"),
    **dict.fromkeys("RescaleSlope RescaleIntercept RescaleType".split(), "image"),
}  # fmt: skip
_BY_GROUP = {0x0002: "file meta", 0x0008: "image", 0x0010: "patient", 0x0018: "acquisition",
             0x0020: "image", 0x0028: "pixel", 0x7FE0: "pixel"}  # fmt: skip
_ORDER = ["file meta", "patient", "study", "series", "equipment", "frame of reference",
          "image", "pixel", "acquisition", "other", "private"]  # fmt: skip


def _module(element: pydicom.DataElement) -> str:
    if element.tag.is_private:
        return "private"
    return _BY_KEYWORD.get(element.keyword, _BY_GROUP.get(element.tag.group, "other"))


def _short(element: pydicom.DataElement, max_chars: int) -> str:
    if element.VR == "SQ":
        return f"<sequence of {len(element.value)} item(s)>"
    if element.VR in ("OB", "OW", "OF", "OD", "OL", "OV", "UN") and element.value is not None:
        return f"<{len(element.value)} bytes>"
    text = str(element.value)
    if element.VR == "UI" and element.value is not None:
        name = getattr(element.value, "name", text)
        text = text if name == text else f"{text} ({name})"
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def header_table(dataset: Dataset, max_chars: int) -> pd.DataFrame:
    """Top-level elements of ``dataset`` (file meta first) as a table sorted by module.

    Parameters
    ----------
    dataset : pydicom.Dataset
        The header to tabulate; its ``file_meta``, if any, comes first.
    max_chars : int
        Values longer than this (>= 2, checked by the caller) end with an ellipsis.

    Returns
    -------
    pandas.DataFrame
        Columns ``module``, ``keyword``, ``tag``, ``VR``, ``value``; see
        :func:`miakit.dicom.header_summary`.
    """
    elements: Iterable[pydicom.DataElement] = list(getattr(dataset, "file_meta", None) or [])
    elements = [*elements, *dataset]
    rows = [(_module(e), e.keyword or e.name, f"({e.tag.group:04X},{e.tag.element:04X})", e.VR,
             _short(e, max_chars)) for e in elements]  # fmt: skip
    table = pd.DataFrame(rows, columns=["module", "keyword", "tag", "VR", "value"])
    rank = table["module"].map({m: i for i, m in enumerate(_ORDER)})
    return table.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)

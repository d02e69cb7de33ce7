"""Tests of miakit.report: numbers glued into the prose keep a formattable form."""

import numpy as np
import pytest

from miakit.report import glue, plain_value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(np.float32(0.5), 0.5), (np.int16(-3), -3), (np.bool_(True), True), (np.array(1.5), 1.5)],
)
def test_plain_value_turns_numpy_scalars_into_python(value, expected):
    out = plain_value(value)
    assert out == expected and type(out) is type(expected)
    assert f"{out:.1f}" == f"{expected:.1f}"


def test_plain_value_leaves_other_objects():
    array = np.arange(3)
    assert plain_value(array) is array
    assert plain_value("x") == "x"


def test_glue_rejects_names_the_markdown_role_cannot_use():
    with pytest.raises(ValueError, match="name must be a valid identifier"):
        glue("psnr-median", 1.0)


def test_glue_accepts_exercise_labels_for_the_self_check():
    glue("ex-06-bias-sigma", np.float64(0.5))  # no kernel here: records nothing visible

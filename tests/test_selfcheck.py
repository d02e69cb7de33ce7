"""Tests of miakit.selfcheck: right within the tolerance, wrong outside, clear errors."""

import json

import numpy as np
import pytest

from miakit.selfcheck import CheckResult, check, load_answer_key

KEY = {
    "ex-99-number": {"kind": "number", "value": 10.0, "rtol": 0.05, "atol": 0.0, "hint": "H1"},
    "ex-99-choice": {"kind": "choice", "value": "Median", "accept": ["median filter"]},
    "ex-99-array": {"kind": "array", "value": [1.0, 2.0], "rtol": 0.0, "atol": 0.1},
}


def test_number_within_tolerance_is_right_and_outside_is_wrong():
    assert check("ex-99-number", 10.4, key=KEY)  # 4 % off, tolerance 5 %
    wrong = check("ex-99-number", 10.6, key=KEY)  # 6 % off
    assert isinstance(wrong, CheckResult) and not wrong
    assert "Hint: H1" in wrong.message


def test_wrong_answer_message_does_not_reveal_the_reference():
    message = check("ex-99-number", 3.0, key=KEY).message
    assert "10" not in message, message


def test_choice_ignores_case_spacing_and_accepts_aliases():
    assert check("ex-99-choice", "  median ", key=KEY)
    assert check("ex-99-choice", "Median  Filter", key=KEY)
    assert not check("ex-99-choice", "gaussian", key=KEY)


def test_array_uses_absolute_tolerance():
    assert check("ex-99-array", np.array([1.05, 1.95]), key=KEY)
    assert not check("ex-99-array", [1.2, 2.0], key=KEY)


def test_ellipsis_means_not_answered():
    result = check("ex-99-number", ..., key=KEY)
    assert not result and "not answered yet" in repr(result)


def test_unknown_id_lists_the_known_ones():
    with pytest.raises(KeyError, match="unknown exercise 'ex-99-nope'.*ex-99-array"):
        check("ex-99-nope", 1.0, key=KEY)


def test_wrong_type_and_shape_name_the_argument():
    with pytest.raises(TypeError, match="answer: ex-99-number expects a number"):
        check("ex-99-number", "ten", key=KEY)
    with pytest.raises(TypeError, match="answer: ex-99-choice expects a choice"):
        check("ex-99-choice", 2.5, key=KEY)
    with pytest.raises(ValueError, match=r"answer: ex-99-array expects shape \(2,\)"):
        check("ex-99-array", [1.0, 2.0, 3.0], key=KEY)


def test_key_is_found_in_a_parent_folder(tmp_path, monkeypatch):
    (tmp_path / "answer_key.json").write_text(json.dumps({"exercises": KEY}))
    chapter = tmp_path / "06_segmentation"
    chapter.mkdir()
    monkeypatch.chdir(chapter)
    monkeypatch.delenv("MIAKIT_ANSWER_KEY", raising=False)
    assert check("ex-99-number", 10.0)
    assert set(load_answer_key()) == set(KEY)


def test_missing_key_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIAKIT_ANSWER_KEY", raising=False)
    with pytest.raises(FileNotFoundError, match="make student"):
        load_answer_key()
    with pytest.raises(FileNotFoundError, match="key: answer key file"):
        load_answer_key(tmp_path / "nothing.json")

"""Replay of measured profiles and the LoadResult record."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from grid_model.load_result import LoadResult
from grid_model.profiles import ieee_profiles, read_profile_csv
from scenarios import ieee_eu_lv
from scenarios.errors import InputError
from scenarios.site import Consumer, Position

TAN = math.tan(math.acos(0.95))


def consumer(cid: str, profile: str | None) -> Consumer:
    return Consumer(cid, "g", "house", Position(0.0, 0.0), "b", "A", profile=profile)


def test_ieee_profiles_replay_the_shapes():
    r = ieee_profiles([consumer("a", "ieee:12"), consumer("b", "ieee:1"), consumer("c", "IEEE:12")])
    assert r.consumer_ids == ["a", "b", "c"]
    assert np.array_equal(r.p_kw[0], ieee_eu_lv.load_shape(12))
    assert np.array_equal(r.p_kw[1], ieee_eu_lv.load_shape(1))
    assert np.allclose(r.q_kvar, r.p_kw * TAN)
    assert r.p_kw_by_class == {} and r.minutes_per_step == 1


@pytest.mark.parametrize("profile", [None, "crest:1", "ieee:x", "ieee:0", "ieee:101"])
def test_bad_ieee_references_name_the_consumer(profile):
    with pytest.raises(InputError, match="consumer zz"):
        ieee_profiles([consumer("zz", profile)])


def write_csv(tmp_path, frame: pd.DataFrame, name: str = "profiles.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def good_frame(minutes: int = 1440) -> pd.DataFrame:
    t = np.arange(1, minutes + 1)
    return pd.DataFrame({"minute": t, "m1": 0.2 + 0.1 * np.sin(t / 100), "m2": np.full(minutes, 0.5),
                         "m2_kvar": np.full(minutes, -0.1), "other": "x"})


def test_csv_reads_p_and_optional_q(tmp_path):
    path = write_csv(tmp_path, good_frame())
    r = read_profile_csv(path, ["m2", "m1"])
    assert r.consumer_ids == ["m2", "m1"]
    assert np.allclose(r.p_kw[1], good_frame()["m1"]) and np.allclose(r.q_kvar[1], r.p_kw[1] * TAN)
    assert np.allclose(r.q_kvar[0], -0.1)


def test_small_negative_values_within_tolerance_read_as_zero(tmp_path):
    f = good_frame(3)
    f.loc[1, "m1"] = -0.0005
    r = read_profile_csv(write_csv(tmp_path, f), ["m1"], minutes=3)
    assert r.p_kw[0, 1] == 0.0


def _corrupt(kind: str) -> tuple[pd.DataFrame, int, str]:
    f = good_frame(5).astype(object)
    if kind == "missing":
        return f.drop(columns=["m1"]), 1, "m1"
    if kind == "text":
        f.loc[2, "m1"] = "abc"
        return f, 4, "m1"
    if kind == "nan":
        f.loc[3, "m1"] = "NaN"
        return f, 5, "m1"
    if kind == "empty":
        f.loc[0, "m1"] = ""
        return f, 2, "m1"
    if kind == "negative":
        f.loc[4, "m1"] = -0.5
        return f, 6, "m1"
    if kind == "duplicate":
        f.loc[2, "minute"] = 2
        return f, 4, "minute"
    if kind == "rows":
        return f.iloc[:4], 6, "minute"
    if kind == "bad_kvar":
        f.loc[1, "m2_kvar"] = "x"
        return f, 3, "m2_kvar"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["missing", "text", "nan", "empty", "negative", "duplicate", "rows", "bad_kvar"])
def test_csv_errors_name_file_row_and_column(tmp_path, kind):
    frame, row, column = _corrupt(kind)
    path = write_csv(tmp_path, frame)
    with pytest.raises(InputError) as err:
        read_profile_csv(path, ["m1", "m2"], minutes=5)
    msg = str(err.value)
    assert str(path) in msg and f"row {row}" in msg and f"'{column}'" in msg and "\n" not in msg


def test_missing_file_and_duplicate_header(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_profile_csv(tmp_path / "none.csv", ["m1"])
    path = tmp_path / "dup.csv"
    path.write_text("minute,m1,m1\n1,1,1\n")
    with pytest.raises(InputError, match="row 1, column 'm1': duplicate"):
        read_profile_csv(path, ["m1"], minutes=1)


def test_load_result_frame_and_shape_checks():
    p = np.array([[1.0, 2.0], [3.0, 4.0]])
    r = LoadResult(["a", "b"], p, p * 0.1, {"RED": p, "YELLOW": 0 * p, "GREEN": 0 * p}, pv_kw=0 * p)
    f = r.to_frame()
    assert list(f.columns[:4]) == ["consumer_id", "minute", "p_kw", "q_kvar"]
    assert {"p_red_kw", "p_yellow_kw", "p_green_kw", "pv_kw"} <= set(f.columns)
    assert f.loc[(f.consumer_id == "b") & (f.minute == 1), "p_kw"].item() == 4.0
    assert r.energy_kwh().tolist() == [3.0 / 60, 7.0 / 60] and r.aggregate_p_kw().tolist() == [4.0, 6.0]
    with pytest.raises(ValueError):
        LoadResult(["a"], p, p)
    with pytest.raises(ValueError):
        LoadResult(["a", "b"], p, p, {"RED": p[:, :1]})

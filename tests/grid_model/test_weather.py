"""Generated and CSV weather series."""

from __future__ import annotations

import numpy as np
import pytest

from grid_model.weather import (WeatherConfig, clear_sky_irradiance, generate_weather, make_weather,
                                read_weather_csv)
from scenarios.errors import InputError


def test_generation_is_deterministic_by_seed():
    a, b, c = generate_weather(15, 1), generate_weather(15, 1), generate_weather(15, 2)
    assert np.array_equal(a.temp_c, b.temp_c) and np.array_equal(a.irradiance_w_m2, b.irradiance_w_m2)
    assert not np.allclose(a.temp_c, c.temp_c)
    assert a.minutes == 1440 and a.source == "generated:seed=1"


def test_seasons_and_diurnal_cycle():
    uk = WeatherConfig(region="uk_ieee")
    winter = np.mean([generate_weather(15, s, cfg=uk).temp_c.mean() for s in range(10)])
    summer = np.mean([generate_weather(196, s, cfg=uk).temp_c.mean() for s in range(10)])
    assert 2.0 < winter < 8.0 and 15.0 < summer < 21.0
    days = [generate_weather(196, s, cfg=WeatherConfig(region="uk_ieee", daily_anomaly_std_c=0.0)) for s in range(10)]
    afternoon = np.mean([d.temp_c[14 * 60:16 * 60].mean() for d in days])
    night = np.mean([d.temp_c[2 * 60:4 * 60].mean() for d in days])
    assert afternoon - night == pytest.approx(2 * (4.0 + 1.5), abs=2.0)


def test_ar1_noise_has_the_configured_spread():
    cfg = WeatherConfig(daily_anomaly_std_c=0.0, temp_noise_std_c=1.0, temp_noise_tau_min=30.0)
    base = generate_weather(100, 0, cfg=WeatherConfig(daily_anomaly_std_c=0.0, temp_noise_std_c=0.0))
    resid = np.concatenate([generate_weather(100, s, cfg=cfg).temp_c - base.temp_c for s in range(20)])
    assert resid.std() == pytest.approx(1.0, rel=0.15)


def test_irradiance_is_zero_at_night_and_bounded_by_clear_sky():
    for doy in (15, 196):
        w = generate_weather(doy, 3)
        clear = clear_sky_irradiance(doy, np.arange(1440), w.latitude_deg)
        assert w.irradiance_w_m2[:3 * 60].max() == 0.0
        assert np.all(w.irradiance_w_m2 <= clear + 1e-9)
        assert np.all(w.irradiance_w_m2 >= 0.25 * clear - 1e-9)
    assert clear_sky_irradiance(196, np.array([720]), 51.5)[0] > 3 * clear_sky_irradiance(15, np.array([720]), 51.5)[0]


def test_multi_day_series_and_bad_day():
    assert generate_weather(365, 1, minutes=2880).minutes == 2880
    with pytest.raises(InputError, match="day_of_year"):
        generate_weather(0, 1)


def write(tmp_path, text: str):
    path = tmp_path / "weather.csv"
    path.write_text(text)
    return path


def test_csv_round_trip_with_and_without_irradiance(tmp_path):
    w = read_weather_csv(write(tmp_path, "minute,temp_c,irradiance_w_m2\n1,3.5,0\n2,3.6,10\n3,3.7,20\n"))
    assert w.temp_c.tolist() == [3.5, 3.6, 3.7] and w.irradiance_w_m2.tolist() == [0, 10, 20]
    rows = "".join(f"{m},{5.0}\n" for m in range(1, 1441))
    w = read_weather_csv(write(tmp_path, "minute,temp_c\n" + rows), day_of_year=196)
    assert np.allclose(w.irradiance_w_m2, clear_sky_irradiance(196, np.arange(1440), 51.5))


@pytest.mark.parametrize("text, row, column", [
    ("minute,temp\n1,3\n", 1, "temp_c"),
    ("minute,temp_c\n1,3\n2,abc\n", 3, "temp_c"),
    ("minute,temp_c\n1,3\n2,nan\n", 3, "temp_c"),
    ("minute,temp_c\n1,3\n1,4\n", 3, "minute"),
    ("minute,temp_c\n1,3\n3,4\n", 3, "minute"),
    ("minute,temp_c,irradiance_w_m2\n1,3,0\n2,4,-5\n", 3, "irradiance_w_m2"),
    ("minute,temp_c\n1,\n", 2, "temp_c"),
])
def test_csv_errors_name_file_row_and_column(tmp_path, text, row, column):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_weather_csv(path)
    msg = str(err.value)
    assert str(path) in msg and f"row {row}" in msg and f"'{column}'" in msg and "\n" not in msg


def test_make_weather_uses_csv_and_checks_its_length(tmp_path):
    path = write(tmp_path, "minute,temp_c\n1,3\n2,4\n")
    assert make_weather(WeatherConfig(csv_path=str(path)), 15, 0, minutes=2).temp_c.tolist() == [3, 4]
    with pytest.raises(InputError, match="2 minutes"):
        make_weather(WeatherConfig(csv_path=str(path)), 15, 0, minutes=10)
    assert make_weather(WeatherConfig(), 15, 4).source == "generated:seed=4"

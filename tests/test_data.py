"""Data loading: bundled files, Eurostat TSV and SDMX-CSV, provenance, errors."""

import math

import pytest

from solidarity.data import load_indicator, read_table
from solidarity.errors import InputError
from solidarity.schema import DEFAULT_PARTICIPANTS, GDP, POPULATION

TSV = (
    "freq,unit,na_item,geo\\TIME_PERIOD\t2023 \t2024 \n"
    "A,CP_MEUR,B1GQ,AT\t477837.3 \t494087.6 p\n"
    "A,CP_MEUR,B1GQ,BE\t602376.3 \t: \n"
    "A,CP_MEUR,B1GQ,BG\t94526.6 \t104768.8 e\n"
    "A,CP_MNAC,B1GQ,BG\t184875.0 \t204905.8 \n"
)
SDMX = (
    "DATAFLOW,LAST UPDATE,freq,unit,age,sex,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
    "ESTAT:DEMO_PJAN(1.0),11/07/2025 23:00,A,NR,TOTAL,T,AT,2025,9197213,\n"
    "ESTAT:DEMO_PJAN(1.0),11/07/2025 23:00,A,NR,TOTAL,T,BE,2025,11900100,p\n"
    "ESTAT:DEMO_PJAN(1.0),11/07/2025 23:00,A,NR,TOTAL,F,AT,2025,4700000,\n"
    "ESTAT:DEMO_PJAN(1.0),11/07/2025 23:00,A,NR,TOTAL,T,AT,2024,9158750,\n"
)


def test_bundled_defaults_to_latest_year_with_provenance():
    pop = load_indicator(POPULATION, require=DEFAULT_PARTICIPANTS)
    gdp = load_indicator(GDP, require=DEFAULT_PARTICIPANTS)
    assert (pop.year, gdp.year) == (2025, 2024)
    assert "demo_pjan" in pop.vintage and "Jul 2025" in pop.vintage
    assert "nama_10_gdp" in gdp.vintage
    assert pop.values["DE"] == 83_577_140 and gdp.values["DE"] == 4_328_970.0
    assert "rounded to 100" in pop.notes["BE"]


def test_bundled_earlier_year():
    assert load_indicator(POPULATION, year=2023).values["MT"] == 542_051


def test_eurostat_tsv_flags_missing_and_filters(tmp_path):
    f = tmp_path / "nama_10_gdp.tsv"
    f.write_text(TSV)
    frame, kind = read_table(f)
    assert kind == "eurostat-tsv"
    gdp = load_indicator(GDP, year=2024, path=f)
    assert gdp.values["AT"] == 494087.6 and gdp.values["BG"] == 104768.8  # CP_MNAC filtered out
    assert math.isnan(gdp.values["BE"])
    assert "flag 'p'" in gdp.notes["AT"]
    assert "sha256" in gdp.vintage


def test_eurostat_tsv_missing_participant_is_an_error(tmp_path):
    f = tmp_path / "gdp.tsv"
    f.write_text(TSV)
    with pytest.raises(InputError) as err:
        load_indicator(GDP, year=2024, path=f, require=["AT", "BE", "FR"])
    msg = str(err.value)
    assert "2 problems" in msg and "geo=BE" in msg and "geo=FR" in msg and str(f) in msg


def test_sdmx_csv_with_last_update_as_vintage(tmp_path):
    f = tmp_path / "demo_pjan.csv"
    f.write_text(SDMX)
    pop = load_indicator(POPULATION, path=f)
    assert pop.year == 2025
    assert pop.values.to_dict() == {"AT": 9_197_213, "BE": 11_900_100}
    assert "11/07/2025" in pop.vintage


def test_bad_number_in_tsv(tmp_path):
    f = tmp_path / "bad.tsv"
    f.write_text(TSV.replace("94526.6 ", "9x4"))
    with pytest.raises(InputError, match=r"line 4, 2023 = '9x4': not a number"):
        read_table(f)


def test_unknown_format_and_missing_file(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="unrecognised file format"):
        read_table(f)
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "nope.csv")


def test_year_not_in_file():
    with pytest.raises(InputError, match=r"year = 1999: year not in the file; allowed: 2023, 2024, 2025"):
        load_indicator(POPULATION, year=1999)


def test_ambiguous_rows_need_filters(tmp_path):
    # an extra dimension ('citizen') that the default filters do not select
    f = tmp_path / "p.csv"
    f.write_text("DATAFLOW,LAST UPDATE,freq,citizen,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
                 "X,1/1/2025,A,TOTAL,AT,2025,9197213,\n"
                 "X,1/1/2025,A,FOR,AT,2025,1800000,\n")
    with pytest.raises(InputError, match="several rows per country.*citizen"):
        load_indicator(POPULATION, path=f)
    assert load_indicator(POPULATION, path=f, filters={"citizen": "FOR"}).values["AT"] == 1_800_000


def test_non_positive_value_for_participant(tmp_path):
    f = tmp_path / "g.tsv"
    f.write_text(TSV.replace("477837.3 ", "0 "))
    with pytest.raises(InputError, match=r"geo=AT, year=2023 = 0.0: gdp_meur must be positive"):
        load_indicator(GDP, year=2023, path=f, require=["AT"])


def test_no_rows_after_filtering(tmp_path):
    f = tmp_path / "g.tsv"
    f.write_text(TSV)
    with pytest.raises(InputError, match="no rows left after filtering"):
        load_indicator(GDP, path=f, filters={"unit": "PC_GDP"})

"""Data loading: Eurostat files as they come, provenance, and broken inputs."""

import gzip
import hashlib
import math
import pickle
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarity.errors import InputError
from solidarity.inputs.data import Indicator, load_indicator, read_table
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
SDMX2 = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,UNIT,NA_ITEM,GEO,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS\n"
    "dataflow,ESTAT:NAMA_10_GDP(1.0),I,A,CP_MEUR,B1GQ,AT,2024,494087.6,p,F\n"
    "dataflow,ESTAT:NAMA_10_GDP(1.0),I,A,CP_MEUR,B1GQ,BE,2024,614418.1,,F\n"
    "dataflow,ESTAT:NAMA_10_GDP(1.0),I,A,CLV05_MEUR,B1GQ,AT,2024,301234.5,,F\n"
    "dataflow,ESTAT:NAMA_10_GDP(1.0),I,A,CLV05_MEUR,B1GQ,BE,2024,390000.0,e,F\n"
    "dataflow,ESTAT:NAMA_10_GDP(1.0),I,A,CP_MEUR,B1GQ,EA20,2024,15000000,,F\n"
)
TIDY = ("geo,country,year,value,unit,vintage,note\n"
        "AT,Austria,2024,9158750,persons on 1 January,my vintage,\n"
        "BE,Belgium,2024,11832000,persons on 1 January,my vintage,rounded to 1000\n")


def write(tmp_path, name, content, gz=False):
    """Write text or bytes (gzipped if asked) under tmp_path; return the path."""
    data = content.encode() if isinstance(content, str) else content
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


# --- a realistic demo_pjan bulk download ---------------------------------------

PARTS = list(DEFAULT_PARTICIPANTS)
GEOS = sorted(PARTS + ["DK", "CH", "NO", "EU27_2020", "EA20"])
AGES = ["TOTAL", "UNK", "Y_LT1", "Y1", "Y2", "Y_OPEN"]
YEARS = list(range(2019, 2027))
LATE = ("HU", "IE", "LU")  # no 2026 figure yet


def pop(geo, year, age="TOTAL", sex="T"):
    """A deterministic, distinct population per key."""
    base = 400_000 + 3_170_011 * GEOS.index(geo) + 1_009 * (year - 2019)
    return base // (1 + AGES.index(age)) // (1 if sex == "T" else 2) + (sex == "F")


def demo_pjan_tsv():
    """The layout of Eurostat's demo_pjan bulk TSV, small: flags, ':', aggregates,
    a latest year lacking three states, and junk only in rows the filters drop."""
    lines = ["freq,unit,age,sex,geo\\TIME_PERIOD\t" + "\t".join(f"{y} " for y in YEARS)]
    for age in AGES:
        for sex in "FMT":
            for geo in GEOS:
                cells = []
                for y in YEARS:
                    cell = f"{pop(geo, y, age, sex)} "
                    if y == 2026 and (geo in LATE or geo == "EA20"):
                        cell = ": "
                    elif (geo, y) == ("BE", 2025):
                        cell = f"{pop(geo, y, age, sex)} p"
                    elif (geo, y) == ("FR", 2025):
                        cell = f"{pop(geo, y, age, sex)} bep"
                    elif geo == "DK" and y == 2019:
                        cell = ": c"
                    elif (age, sex, geo, y) == ("Y1", "F", "DE", 2025):
                        cell = "12x4"  # junk, in a row the default filters drop
                    cells.append(cell)
                lines.append(f"A,NR,{age},{sex},{geo}\t" + "\t".join(cells))
    return "\n".join(lines) + "\n"


@pytest.fixture
def demo_pjan(tmp_path):
    return write(tmp_path, "demo_pjan.tsv.gz", demo_pjan_tsv(), gz=True)


def test_demo_pjan_gz_values_flags_unit_filters_and_year_fallback(demo_pjan):
    pop_ = load_indicator(POPULATION, path=demo_pjan, require=PARTS)
    assert (pop_.year, pop_.format, pop_.compressed) == (2025, "eurostat-tsv", True)
    assert pop_.year_rule == "latest year every participant has (2025; 2026 lacks HU, IE, LU)"
    assert pop_.values["DE"] == pop("DE", 2025) and pop_.values["EU27_2020"] == pop("EU27_2020", 2025)
    assert pop_.values.index.is_unique and set(GEOS) == set(pop_.values.index)
    assert (pop_.flags["BE"], pop_.flags["FR"], pop_.flags["AT"]) == ("p", "bep", "")
    assert "provisional" in pop_.notes["BE"] and "break in time series" in pop_.notes["FR"]
    assert pop_.unit == "NR (persons)"
    assert pop_.filters == {"age": "TOTAL", "sex": "T", "unit": "NR"}
    assert pop_.sha256 == hashlib.sha256(demo_pjan.read_bytes()).hexdigest()
    assert pop_.path == str(demo_pjan.resolve()) and pop_.source == str(demo_pjan)
    assert "demo_pjan.tsv.gz (sha256 " in pop_.vintage
    with pytest.raises(InputError, match=r"line \d+, column 2025 = '12x4': not a number"):
        read_table(demo_pjan)  # the junk is there, in a row the filters drop


def test_demo_pjan_other_filters_and_given_year(demo_pjan):
    women = load_indicator(POPULATION, year=2024, path=demo_pjan, filters={"sex": "F"})
    assert women.values["AT"] == pop("AT", 2024, sex="F") and women.year_rule == "given"
    assert women.filters == {"age": "TOTAL", "sex": "F", "unit": "NR"}
    # a year lacking participants: every one named at once
    with pytest.raises(InputError) as err:
        load_indicator(POPULATION, year=2026, path=demo_pjan, require=PARTS)
    assert [p.key.split(", ", 1)[1] for p in err.value.problems] == [
        "geo=HU, year=2026", "geo=IE, year=2026", "geo=LU, year=2026"]
    assert all(p.message == "no population value (missing)" for p in err.value.problems)


def test_indicator_pickles(demo_pjan):
    ind = load_indicator(POPULATION, path=demo_pjan, require=PARTS)
    back = pickle.loads(pickle.dumps(ind))
    assert isinstance(back, Indicator) and back.values.equals(ind.values)
    assert (back.flags, back.filters, back.notes, back.unit) == (ind.flags, ind.filters, ind.notes, ind.unit)


def test_bundled_defaults_to_latest_year_with_provenance():
    pop_ = load_indicator(POPULATION, require=DEFAULT_PARTICIPANTS)
    gdp = load_indicator(GDP, require=DEFAULT_PARTICIPANTS)
    assert (pop_.year, gdp.year) == (2025, 2024)
    assert "demo_pjan" in pop_.vintage and "Jul 2025" in pop_.vintage
    assert "nama_10_gdp" in gdp.vintage
    assert pop_.values["DE"] == 83_577_140 and gdp.values["DE"] == 4_328_970.0
    assert "rounded to 100" in pop_.notes["BE"]  # the tidy file's note column survives
    assert (pop_.unit, gdp.unit) == ("persons on 1 January", "million EUR, current prices")
    assert (pop_.format, pop_.filters, pop_.flags["DE"]) == ("tidy", {}, "")
    assert pop_.source == "bundled data/population.csv"


def test_bundled_earlier_year():
    assert load_indicator(POPULATION, year=2023).values["MT"] == 542_051


def test_eurostat_tsv_flags_missing_and_filters(tmp_path):
    f = write(tmp_path, "nama_10_gdp.tsv", TSV)
    frame, kind = read_table(f)
    assert kind == "eurostat-tsv" and len(frame) == 8
    gdp = load_indicator(GDP, year=2024, path=f)
    assert gdp.values["AT"] == 494087.6 and gdp.values["BG"] == 104768.8  # CP_MNAC filtered out
    assert math.isnan(gdp.values["BE"])
    assert "flag 'p'" in gdp.notes["AT"] and gdp.flags == {"AT": "p", "BE": "", "BG": "e"}
    assert "sha256" in gdp.vintage
    assert gdp.unit == "CP_MEUR (million EUR, current prices)"


def test_eurostat_tsv_missing_participant_is_an_error(tmp_path):
    f = write(tmp_path, "gdp.tsv", TSV)
    with pytest.raises(InputError) as err:
        load_indicator(GDP, year=2024, path=f, require=["AT", "BE", "FR"])
    msg = str(err.value)
    assert "2 problems" in msg and "geo=BE" in msg and "geo=FR" in msg and str(f) in msg


def test_old_tsv_header_descending_years(tmp_path):
    f = write(tmp_path, "old.tsv", "unit,geo\\time\t2024 \t2023 \nNR,AT\t9158750 \t9104772 \nNR,BE\t: \t11742796 \n")
    pop_ = load_indicator(POPULATION, path=f, require=["AT", "BE"])
    assert pop_.year == 2023 and pop_.year_rule == "latest year every participant has (2023; 2024 lacks BE)"
    assert pop_.values.to_dict() == {"AT": 9104772, "BE": 11742796}


def test_gzip_detected_by_content_not_name(tmp_path):
    zipped = write(tmp_path, "gdp.tsv", TSV, gz=True)  # gzipped, no .gz
    plain = write(tmp_path, "gdp2.tsv.gz", TSV)  # .gz, not gzipped
    for f, compressed in ((zipped, True), (plain, False)):
        gdp = load_indicator(GDP, year=2023, path=f)
        assert gdp.values["AT"] == 477837.3 and gdp.compressed is compressed


def test_bom_and_crlf_are_accepted(tmp_path):
    f = write(tmp_path, "p.csv", b"\xef\xbb\xbf" + SDMX.replace("\n", "\r\n").encode())
    assert load_indicator(POPULATION, path=f).values.to_dict() == {"AT": 9_197_213, "BE": 11_900_100}


def test_sdmx_csv_with_last_update_as_vintage(tmp_path):
    f = write(tmp_path, "demo_pjan.csv.gz", SDMX, gz=True)
    pop_ = load_indicator(POPULATION, path=f)
    assert (pop_.year, pop_.format, pop_.compressed) == (2025, "sdmx-csv-1.0", True)
    assert pop_.values.to_dict() == {"AT": 9_197_213, "BE": 11_900_100}
    assert pop_.vintage == "ESTAT:DEMO_PJAN(1.0), last update 11/07/2025 23:00"
    assert pop_.flags == {"AT": "", "BE": "p"} and pop_.unit == "NR (persons)"


def test_sdmx_csv_2_with_conf_status_and_units(tmp_path):
    f = write(tmp_path, "gdp.csv", SDMX2)
    gdp = load_indicator(GDP, path=f, require=["AT", "BE"])
    assert gdp.format == "sdmx-csv-2.0" and gdp.year == 2024
    assert gdp.values.to_dict() == {"AT": 494087.6, "BE": 614418.1, "EA20": 15_000_000}
    assert gdp.flags["AT"] == "p" and gdp.unit == "CP_MEUR (million EUR, current prices)"
    assert "ESTAT:NAMA_10_GDP(1.0)" in gdp.vintage and "sha256" in gdp.vintage
    clv = load_indicator(GDP, path=f, filters={"unit": "CLV05_MEUR"}, require=["AT", "BE"])
    assert clv.unit == "CLV05_MEUR (chain-linked volumes 2005, million EUR)"
    assert clv.values["BE"] == 390000.0 and clv.flags["BE"] == "e"
    assert clv.filters == {"unit": "CLV05_MEUR", "na_item": "B1GQ"}


def test_sdmx_with_labels_and_upper_case_columns(tmp_path):
    labelled = write(tmp_path, "l.csv",
                     "STRUCTURE,STRUCTURE_ID,ACTION,freq:Time frequency,unit:Unit of measure,"
                     "geo:Geopolitical entity (reporting),TIME_PERIOD:Time,OBS_VALUE:Observation value,"
                     "OBS_FLAG:Observation status (Flag)\n"
                     'dataflow,ESTAT:NAMA_10_GDP(1.0),I,A:Annual,"CP_MEUR:Current prices, million euro",'
                     "DE:Germany,2024,4328970.0,p:Provisional\n")
    gdp = load_indicator(GDP, path=labelled, require=["DE"])
    assert gdp.values.to_dict() == {"DE": 4_328_970.0} and gdp.flags == {"DE": "p"}
    assert gdp.filters == {"unit": "CP_MEUR"}
    upper = write(tmp_path, "u.csv", "DATAFLOW,LAST UPDATE,FREQ,UNIT,AGE,SEX,GEO,TIME,OBS_VALUE,OBS_FLAG\n"
                  "ESTAT:DEMO_PJAN(1.0),11/07/2025 23:00,A,NR,TOTAL,T,DE,2025,83577140,\n")
    assert load_indicator(POPULATION, path=upper, require=["DE"]).values["DE"] == 83_577_140
    # filter names are matched whatever their case
    assert load_indicator(POPULATION, path=upper, filters={"SEX": "T"}).filters["sex"] == "T"


def test_tidy_user_file_keeps_notes_unit_and_vintage(tmp_path):
    f = write(tmp_path, "pop.csv", TIDY)
    pop_ = load_indicator(POPULATION, path=f, require=["AT", "BE"])
    assert pop_.notes == {"BE": "rounded to 1000"} and pop_.unit == "persons on 1 January"
    assert pop_.vintage == "my vintage" and pop_.format == "tidy"
    assert load_indicator(POPULATION, path=f, vintage="mine").vintage == "mine"
    flagged = write(tmp_path, "flagged.csv", "geo,year,value,flag\nAT,2024,9158750,p\n")
    assert load_indicator(POPULATION, path=flagged).flags == {"AT": "p"}


def test_unit_assumed_when_the_file_has_none(tmp_path):
    f = write(tmp_path, "p.tsv", "geo\\TIME_PERIOD\t2024\nAT\t9158750\n")
    assert load_indicator(POPULATION, path=f).unit == "persons on 1 January (assumed: the file states no unit)"


def test_mixed_frequencies_need_only_annual_rows(tmp_path):
    f = write(tmp_path, "q.csv", "DATAFLOW,LAST UPDATE,freq,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
              "X,1/1/2025,A,CP_MEUR,AT,2024,494087.6,\n"
              "X,1/1/2025,Q,CP_MEUR,AT,2024-Q1,120000.0,\n")
    with pytest.raises(InputError, match=r"line 3, TIME_PERIOD = '2024-Q1': not an annual time period; "
                                         r"allowed: a year such as 2024 \(filter freq = A\)"):
        load_indicator(GDP, path=f)
    assert load_indicator(GDP, path=f, filters={"freq": "A"}).values["AT"] == 494087.6


def test_ambiguous_rows_need_filters(tmp_path):
    # an extra dimension ('citizen') that the default filters do not select
    f = write(tmp_path, "p.csv", "DATAFLOW,LAST UPDATE,freq,citizen,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
              "X,1/1/2025,A,TOTAL,AT,2025,9197213,\n"
              "X,1/1/2025,A,FOR,AT,2025,1800000,\n")
    with pytest.raises(InputError, match="several rows per geo and year.*citizen = one of FOR, TOTAL"):
        load_indicator(POPULATION, path=f)
    assert load_indicator(POPULATION, path=f, filters={"citizen": "FOR"}).values["AT"] == 1_800_000


def test_read_table_checks_every_cell(tmp_path):
    f = write(tmp_path, "bad.tsv", TSV.replace("94526.6 ", "9x4"))
    with pytest.raises(InputError, match=r"line 4, column 2023 = '9x4': not a number"):
        read_table(f)
    # ... while load_indicator checks only the rows it keeps
    f = write(tmp_path, "dropped.tsv", TSV.replace("184875.0 ", "9x4"))
    assert load_indicator(GDP, year=2023, path=f).values["BG"] == 94526.6


# --- broken inputs -------------------------------------------------------------

def _tsv_gz_truncated():
    return gzip.compress(TSV.encode())[:-12]


POP_TSV = ("freq,unit,age,sex,geo\\TIME_PERIOD\t2024 \t2025 \n"
           "A,NR,TOTAL,T,AT\t9158750 \t9197213 \n"
           "A,NR,TOTAL,T,BE\t11832000 \t11900100 p\n")
AT_BE = {"require": ["AT", "BE"]}
# (id, file content (None: no file), load_indicator keywords, fragment of one problem)
BROKEN = [
    ("not-found", None, {}, "nope.tsv: file: file not found"),
    ("directory", "DIR", {}, "file: is a directory, not a file"),
    ("empty", "", {}, "file: empty file"),
    ("blank-lines", " \n\n\t\n", {}, "file: empty file"),
    ("empty-gz", gzip.compress(b""), {}, "file: empty file after gunzip"),
    ("latin-1", POP_TSV.replace("TOTAL", "TÖTAL").encode("latin-1"), {},
     "byte 52, line 2 = b'\\xd6TAL': not UTF-8 text"),
    ("utf-16", POP_TSV.encode("utf-16"), {}, "byte 0 = b'\\xff\\xfe': UTF-16 text (save the file as UTF-8)"),
    ("truncated-gz", _tsv_gz_truncated(), {}, "file: truncated or corrupt gzip data"),
    ("zip", b"PK\x03\x04\x14\x00\x00\x00garbage", {}, "a ZIP archive (or .xlsx workbook), not a text file"),
    ("garbage", bytes(range(256)), {}, "byte 0, line 1 = b'\\x00': control character: binary data, not text"),
    ("garbage-in-gz", gzip.compress(b"\x00\x01binary"), {}, "control character: binary data, not text after gunzip"),
    ("unknown-header", "a,b\n1,2\n", {},
     "line 1 (header): unrecognised file format; allowed: UTF-8 text in one of"),
    ("header-only", "freq,unit,age,sex,geo\\TIME_PERIOD\t2024 \n", {}, "header only: no data rows"),
    # a download cut short: mid-number without a final newline, or with one (then the value jumps)
    ("cut-mid-number", POP_TSV[:POP_TSV.rindex("900100")], {},
     "data.tsv: line 3: the last line has no line end: the file looks truncated; "
     "allowed: a complete file, every line ending in a newline"),
    ("no-final-newline", POP_TSV.rstrip("\n"), {}, "line 3: the last line has no line end"),
    ("implausible-change", POP_TSV.replace("11900100 p", "54 p"), {},
     "data.tsv: line 3, geo=BE = '2024: 11832000, 2025: 54 p': BE's value changes by a factor of 2.19e+05 "
     "from 2024 to 2025, more than 2 (a truncated or misplaced number?); allowed: a change of at most "
     "2 times; to accept it set data.max_year_change to a larger factor, or 0 for any"),
    ("implausible-rise", POP_TSV.replace("9197213", "19197213"), {"max_change": 1.5},
     "line 2, geo=AT = '2024: 9158750, 2025: 19197213': AT's value changes by a factor of 2.1 "),
    ("tsv-short-row", POP_TSV.replace("\t11900100 p", ""), {},
     "line 3 = 2: wrong number of cells; allowed: 3 tab-separated cells, as in the header"),
    ("tsv-long-row", POP_TSV.replace("11900100 p", "11900100 p\t1"), {}, "line 3 = 4: wrong number of cells"),
    ("tsv-key-codes", POP_TSV.replace("A,NR,TOTAL,T,BE", "A,NR,T,BE"), {},
     "line 3, column 1 = 'A,NR,T,BE': 4 codes in the key; allowed: 5 codes: freq,unit,age,sex,geo"),
    ("tsv-bad-time-key", POP_TSV.replace("\\TIME_PERIOD", "\\year"), {},
     "Eurostat TSV header must end in \\TIME_PERIOD or \\time"),
    ("tsv-no-geo", POP_TSV.replace(",geo\\", ",country\\"), {}, "no geo dimension"),
    ("tsv-comma-separated", "unit,geo\\TIME_PERIOD,2024\nNR,AT,9158750\n", {},
     "line 1 = 'unit,geo\\\\TIME_PERIOD,2024': no time columns; allowed: tab-separated period columns"),
    ("tsv-duplicate-year", POP_TSV.replace("2025 ", "2024 "), {},
     "line 1 = '2024': empty or duplicated time period column"),
    ("tsv-duplicate-dim", POP_TSV.replace("age,sex", "sex,sex"), {},
     "line 1, column 1 = 'sex': duplicated column name"),
    ("junk-value", POP_TSV.replace("9197213 ", "9,197,213"), {},
     "line 2, column 2025 = '9,197,213': not a number; allowed: a number such as 123.4"),
    ("inf", POP_TSV.replace("9197213 ", "inf"), AT_BE, "line 2, column 2025 = 'inf': not a number"),
    ("nan", POP_TSV.replace("9197213 ", "NaN"), AT_BE, "line 2, column 2025 = 'NaN': not a number"),
    ("huge", POP_TSV.replace("9197213 ", "1e999"), AT_BE, "line 2, column 2025 = '1e999': number out of range"),
    ("flag-only", POP_TSV.replace("9197213 ", "p"), AT_BE, "line 2, column 2025 = 'p': not a number"),
    ("negative", POP_TSV.replace("9197213 ", "-9197213"), AT_BE,
     "line 2, geo=AT, year=2025 = '-9197213': population must be > 0; allowed: a number > 0"),
    ("zero", POP_TSV.replace("9197213 ", "0 e"), AT_BE, "line 2, geo=AT, year=2025 = '0 e': population must be > 0"),
    ("missing-given-year", POP_TSV.replace("9197213 ", ": "), {**AT_BE, "year": 2025},
     "line 2, geo=AT, year=2025 = ':': no population value (missing)"),
    ("confidential", POP_TSV.replace("9197213 ", ": c"), {**AT_BE, "year": 2025},
     "= ': c': no population value (missing, Eurostat flag 'c' (confidential))"),
    ("no-complete-year", POP_TSV.replace("9197213 ", ":").replace("11832000 ", ":"), AT_BE,
     "year: no year has a value for every participant; allowed: 2025 lacks AT; 2024 lacks BE"),
    ("tsv-duplicate-row", POP_TSV + "A,NR,TOTAL,T,AT\t1 \t2 \n", {}, "geo=AT: duplicated rows (lines 2, 4)"),
    ("sdmx-duplicate-column", SDMX.replace(",age,", ",SEX,"), {}, "line 1, column 6 = 'sex': duplicated column name"),
    ("sdmx-duplicate-row", SDMX + SDMX.splitlines()[1] + "\n", {}, "geo=AT, year=2025: duplicated rows (lines 2, 6)"),
    ("lower-case-geo", POP_TSV.replace(",BE\t", ",be\t"), {},
     "line 3, geo = 'be': lower-case geo code; allowed: upper-case Eurostat codes: 'BE'"),
    ("empty-geo", SDMX.replace(",AT,2024,", ",,2024,"), {}, "line 5, geo = '': empty geo code"),
    ("participants-missing", POP_TSV, {"require": ["AT", "FR", "XX", "BE", "SE"]},
     "geo=FR: participant not in the file (after filters age=TOTAL, sex=T, unit=NR); "
     "allowed: geo codes in the file: AT, BE"),
    ("filter-unknown-dimension", POP_TSV, {"filters": {"units": "NR"}},
     "filters.units = 'NR': the file has no dimension 'units' (did you mean 'unit'?); "
     "allowed: dimensions in the file: freq, unit, age, sex"),
    ("filter-value-absent", POP_TSV, {"filters": {"sex": "X"}},
     "filters.sex = 'X': no rows have sex = 'X'; allowed: sex values in the file: T"),
    ("filter-value-did-you-mean", SDMX2, {"filters": {"unit": "CP_MEURO"}},
     "no rows have unit = 'CP_MEURO' (did you mean 'CP_MEUR'?); "
     "allowed: unit values in the file: CLV05_MEUR, CP_MEUR"),
    ("filters-not-together", SDMX, {"filters": {"sex": "F", "age": "Y1"}},
     "filters.age = 'Y1': no rows have age = 'Y1'; allowed: age values in the file: TOTAL"),
    ("filters-empty-combination", SDMX.replace("TOTAL,F", "Y1,F"), {"filters": {"sex": "F", "age": "TOTAL"}},
     "no rows match all filters together; allowed: age with the other filters: Y1; sex with the other filters: T"),
    ("tidy-filter-no-dims", TIDY, {"filters": {"sex": "T"}}, "allowed: dimensions in the file: unit"),
    ("several-rows-per-geo", POP_TSV + "Q,NR,TOTAL,T,AT\t1 \t2 \n", {},
     "filters = {'age': 'TOTAL', 'sex': 'T', 'unit': 'NR'}: several rows per geo and year remain "
     "after filtering; allowed: add filters for freq = one of A, Q"),
    ("units-differ", TIDY.replace("2024,11832000,persons on 1 January", "2024,11832,thousand persons"), {},
     "rows for different geos have different units; allowed: add filters for unit = one of "
     "persons on 1 January, thousand persons"),
    ("year-not-in-file", POP_TSV, {"year": 1999}, "year = 1999: year not in the file; allowed: 2024, 2025"),
    ("year-not-a-year", POP_TSV, {"year": "next"}, "year = 'next': not a year"),
    ("sdmx-no-geo", SDMX.replace(",geo,", ",country,"), {}, "no geo column; allowed: a geo column"),
    ("sdmx-no-time", SDMX.replace("TIME_PERIOD", "PERIOD"), {},
     "no time column; allowed: a TIME_PERIOD (or TIME) column"),
    ("sdmx-short-row", SDMX.replace(",9158750,", ","), {},
     "line 5 = 9: wrong number of cells; allowed: 10 comma-separated cells"),
    ("sdmx-open-quote", SDMX.replace(",BE,", ',"BE,'), {},
     "line 3 = 'ESTAT:DEMO_PJAN(1.0),11/07/2025 23:00,A,NR,TOTAL,T,\"BE,2025,11900100,p': "
     "quote not closed on its line"),
    ("sdmx-bad-value", SDMX.replace("11900100", "11.900.100"), {}, "line 3, OBS_VALUE = '11.900.100': not a number"),
    ("sdmx-reserved-dimension", SDMX.replace(",age,", ",value,"), {},
     "line 1, column 5 = 'value': reserved column name; allowed: distinct dimension names"),
    ("tidy-bad-value", TIDY.replace("9158750", "nine million"), {}, "line 2, value = 'nine million': not a number"),
    ("tidy-bad-year", TIDY.replace("2024,9158750", "24,9158750"), {},
     "line 2, year = '24': not an annual time period; allowed: a year such as 2024"),
    ("tidy-too-many-cells", TIDY.replace("my vintage,\n", "my vintage,,x\n", 1), {},
     "line 2 = 8: wrong number of cells"),
]


@pytest.mark.parametrize("content, kwargs, fragment", [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_input_is_a_clear_input_error(tmp_path, content, kwargs, fragment):
    if content is None:
        f = tmp_path / "nope.tsv"
    elif content == "DIR":
        f = tmp_path / "folder.tsv"
        f.mkdir()
    else:
        f = write(tmp_path, "data.tsv", content)
    name = GDP if "CP_MEUR" in str(content) else POPULATION  # so that the default filters fit
    with pytest.raises(InputError) as err:
        load_indicator(name, path=f, **kwargs)
    problems = err.value.problems
    assert any(fragment in str(p) for p in problems), str(err.value)
    assert all(p.file == str(f) for p in problems)


def test_the_corpus_covers_at_least_thirty_cases():
    assert len(BROKEN) >= 30 and len({c[0] for c in BROKEN}) == len(BROKEN)


def test_all_missing_participants_are_named_at_once(tmp_path):
    f = write(tmp_path, "p.tsv", POP_TSV)
    with pytest.raises(InputError) as err:
        load_indicator(POPULATION, path=f, require=["AT", "FR", "XX", "BE", "SE"])
    assert [p.key for p in err.value.problems] == ["geo=FR", "geo=XX", "geo=SE"]
    with pytest.raises(InputError) as err:  # however many there are
        load_indicator(POPULATION, path=f, require=PARTS)
    assert [p.key for p in err.value.problems] == [f"geo={g}" for g in PARTS if g not in ("AT", "BE")]


def test_unknown_indicator():
    with pytest.raises(InputError, match="unknown indicator; allowed: population, gdp_meur"):
        load_indicator("area")


def test_many_bad_cells_are_summarised(tmp_path):
    rows = "".join(f"A,NR,TOTAL,T,X{i}\tx \t1 \n" for i in range(25))
    f = write(tmp_path, "p.tsv", POP_TSV + rows)
    with pytest.raises(InputError) as err:
        load_indicator(POPULATION, path=f)
    assert len(err.value.problems) == 11 and "and 15 more like these" in str(err.value.problems[-1])


# --- fuzz: nothing but InputError ----------------------------------------------

VALID = {"tsv": POP_TSV.encode(), "sdmx": SDMX.encode(), "sdmx2": SDMX2.encode(), "tidy": TIDY.encode()}
ALPHABET = b",\t:\n\r\"\\ .-+e0123456789pATBE\x00\xff"


def _load_quietly(path):
    """Load with participants, as a run does: success or InputError only."""
    for name in (POPULATION, GDP):
        try:
            load_indicator(name, path=path, require=["AT", "BE"])
        except InputError as exc:
            assert exc.problems and all(p.file == str(path) for p in exc.problems)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_fuzz_random_bytes(tmp_path, data):
    f = tmp_path / "fuzz.bin"
    f.write_bytes(data)
    _load_quietly(f)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(VALID)), seed=st.integers(0, 2**32 - 1),
       edits=st.integers(1, 6), gz=st.booleans())
def test_fuzz_mutated_files(tmp_path, kind, seed, edits, gz):
    rnd = random.Random(seed)
    data = bytearray(VALID[kind])
    for _ in range(edits):
        at = rnd.randrange(len(data) + 1)
        op = rnd.choice("ird")
        if op == "i":
            data[at:at] = bytes([rnd.choice(ALPHABET)])
        elif op == "r" and at < len(data):
            data[at] = rnd.choice(ALPHABET)
        else:
            del data[at:at + rnd.randint(1, 8)]
    f = tmp_path / "fuzz.dat"
    f.write_bytes(gzip.compress(bytes(data)) if gz else bytes(data))
    _load_quietly(f)


def test_a_large_change_is_accepted_when_asked(tmp_path):
    f = write(tmp_path, "data.tsv", POP_TSV.replace("11900100 p", "54 p"))
    assert load_indicator(POPULATION, path=f, max_change=0).values["BE"] == 54
    assert load_indicator(POPULATION, path=f, max_change=300_000).values["BE"] == 54


def test_an_unrecognised_file_is_not_quoted(tmp_path):
    """A file that is no data file (a password file, say) is never echoed back."""
    for text in ("toor:secret:0:0:x:/bin/sh\n", "root:secret\\x\tz\nmore\n", "root:secret\n"):
        with pytest.raises(InputError) as err:
            load_indicator(POPULATION, path=write(tmp_path, "passwd", text))
        assert "secret" not in str(err.value), str(err.value)


def test_a_device_is_refused_without_blocking(tmp_path):
    import os
    fifo = tmp_path / "fifo.tsv"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        with pytest.raises(InputError, match="device or special file"):
            load_indicator(POPULATION, path=path)

"""The scenario document layer: reading, overrides, origins, digest, TOML out."""

import datetime as dt
import pickle
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarity.errors import MISSING, InputError
from solidarity.inputs.document import (
    Document,
    Override,
    apply_overrides,
    digest,
    format_override,
    origin_of,
    parse_document,
    read_document,
    to_toml,
    with_values,
)

from .conftest import BUNDLED, MINIMAL

VARIANTS = MINIMAL + """
[states.AT]
deduction = 1.0
[variants.no-deductions.states.AT]
deduction = 0.0
[variants.big.pool]
relocations = 30000
[variants.bad.pool.relocations]
x = 1
"""


def only(call, *args, **kwargs) -> str:
    """The one problem ``call`` raises, as text."""
    with pytest.raises(InputError) as err:
        call(*args, **kwargs)
    assert len(err.value.problems) == 1, err.value.problems
    return str(err.value.problems[0])


def doc(text: str = MINIMAL) -> Document:
    return parse_document(text, file="s.toml")


def set_error(*sets: str, text: str = MINIMAL) -> str:
    return only(apply_overrides, doc(text), sets)


# --- reading -------------------------------------------------------------------

@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenarios_read_as_toml(path):
    d = read_document(path)
    assert d.data == tomllib.loads(path.read_text("utf-8"))
    assert d.file == str(path) and d.base == path.parent and d.applied == ()
    assert origin_of(d, "pool.relocations") == str(path)


def test_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert read_document(path).data == tomllib.loads(MINIMAL)


def test_non_utf8_names_line_column_and_byte(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(MINIMAL.encode() + 'note = "Café"\n'.encode("latin-1"))
    assert only(read_document, path) == (
        f"{path}: line 8, column 12: byte 0xE9 is not valid UTF-8 (invalid continuation byte); "
        "allowed: UTF-8 text")


def test_missing_file_suggests_a_near_name(tmp_path):
    (tmp_path / "2026-adopted.toml").write_text(MINIMAL)
    path = tmp_path / "2026-adopted.tom"
    assert only(read_document, path) == (
        f"{path}: file: no such file (did you mean {tmp_path / '2026-adopted.toml'}?); "
        "allowed: the path of a scenario file (.toml)")


def test_folder_instead_of_file(tmp_path):
    (tmp_path / "a.toml").write_text(MINIMAL)
    assert only(read_document, tmp_path) == (
        f"{tmp_path}: file: is a folder, not a file (its scenario files: a.toml); "
        "allowed: the path of a scenario file (.toml)")


def test_unreadable_file(write, monkeypatch):
    path = write("locked.toml", MINIMAL)

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "read_bytes", refuse)
    assert only(read_document, path) == (
        f"{path}: file: cannot read (Permission denied); "
        "allowed: the path of a scenario file (.toml)")


def test_empty_file(write):
    path = write("empty.toml", "")
    assert only(read_document, path) == (
        f"{path}: file: is empty; "
        "allowed: a scenario with at least a [scenario] and a [pool] table")


def test_comments_only():
    assert "s.toml: file: holds only comments and blank lines" in only(doc, "# nothing\n\n")


def test_syntax_error_names_line_column_and_the_line():
    assert only(doc, MINIMAL + "[key]\nmethod = hamilton\n") == (
        "s.toml: line 9, column 10 = 'method = hamilton': not valid TOML: invalid value; "
        "allowed: TOML syntax (https://toml.io)")


def test_truncated_file():
    assert only(doc, MINIMAL + "participants = [\"AT\",\n  \"BE\",") == (
        "s.toml: end of file (line 9) = '\"BE\",': not valid TOML: invalid value; the file ends "
        "here: is it complete?; allowed: TOML syntax (https://toml.io)")


def test_duplicate_key_at_the_end_is_not_called_truncated():
    assert only(doc, MINIMAL + "relocations = 1") == (
        "s.toml: end of file (line 8) = 'relocations = 1': not valid TOML: cannot overwrite a "
        "value; allowed: TOML syntax (https://toml.io)")


def test_variants_must_be_a_table():
    assert only(
        doc, "variants = 1\n" + MINIMAL) == "s.toml: variants = 1: must be a table; allowed: [variants.NAME] tables"


def test_a_variant_must_be_a_table():
    assert only(doc, MINIMAL + "[variants]\nx = 1\n") == (
        "s.toml: variants.x = 1: must be a table; "
        "allowed: a [variants.x] table mirroring the scenario's tables")


def test_a_variant_cannot_hold_variants():
    assert "s.toml: variants.x.variants: a variant cannot hold variants" in only(
        doc, MINIMAL + "[variants.x.variants.y]\n")


# --- variants and --set --------------------------------------------------------

def test_variants_are_removed_from_the_effective_document():
    d = doc(VARIANTS)
    assert "variants" not in d.data and sorted(d.variants) == ["bad", "big", "no-deductions"]
    assert not any(p.startswith("variants") for p in d.origin)
    assert "variants" not in tomllib.loads(to_toml(apply_overrides(d, variant="big")))


def test_precedence_file_then_variant_then_set():
    d = doc(VARIANTS)
    assert d.data["pool"]["relocations"] == 21000
    v = apply_overrides(d, variant="big")
    assert v.data["pool"]["relocations"] == 30000
    s = apply_overrides(d, ["pool.relocations=25000"], variant="big")
    assert s.data["pool"]["relocations"] == 25000
    assert [format_override(o) for o in s.applied] == [
        "pool.relocations: 21000 -> 30000 (variant big)",
        "pool.relocations: 30000 -> 25000 (--set)"]
    assert origin_of(v, "pool.relocations") == "s.toml: variant big"
    assert origin_of(s, "pool.relocations") == "--set"
    assert origin_of(s, "pool.financial_eur") == "s.toml"
    assert d.data["pool"]["relocations"] == 21000  # the input is left alone


def test_variant_merges_tables_key_by_key():
    d = apply_overrides(doc(VARIANTS + "[states.AT.max]\nrelocations = 5\n"),
                        variant="no-deductions")
    assert d.data["states"]["AT"] == {"deduction": 0.0, "max": {"relocations": 5}}


def test_unknown_variant_lists_the_file_variants():
    assert only(apply_overrides, doc(VARIANTS), variant="no-deduction") == (
        "s.toml: variants.no-deduction: unknown variant (did you mean 'no-deductions'?); "
        "allowed: a variant of this file: bad, big, no-deductions")


def test_unknown_variant_in_a_file_without_variants():
    assert only(apply_overrides, doc(), variant="big") == (
        "s.toml: variants.big: unknown variant; "
        "allowed: none: this file has no [variants.NAME] tables")


def test_variant_through_a_value_is_an_error_of_the_variant():
    assert only(apply_overrides, doc(VARIANTS), variant="bad") == (
        "s.toml: variant bad: pool.relocations.x = 1: pool.relocations is 21000, not a table; "
        "allowed: a key path whose parts before the last name tables")


@pytest.mark.parametrize("text, path, value", [
    ("pool.relocations=25000", ("pool", "relocations"), 25000),
    ("states.DE.deduction=0.5", ("states", "DE", "deduction"), 0.5),
    ("states.BE.fixed={financial_eur=0}", ("states", "BE", "fixed"), {"financial_eur": 0}),
    ('participants=["AT","BE"]', ("participants",), ["AT", "BE"]),
    ('scenario.name="X Y"', ("scenario", "name"), "X Y"),
    ("scenario.name=X Y", ("scenario", "name"), "X Y"),  # the shell ate the quotes
    ("solver.name=cbc", ("solver", "name"), "cbc"),
    ('states."DE".note = "a=b"', ("states", "DE", "note"), "a=b"),
    ('data.population_filters."sex.and-age"=T', ("data", "population_filters", "sex.and-age"), "T"),
    ("pool.redistribute_deductions=true", ("pool", "redistribute_deductions"), True),
])
def test_set_values_are_toml_or_bare_strings(text, path, value):
    d = apply_overrides(doc(MINIMAL + '[states.BE]\nfixed = {financial_eur = 12_900_000}\n'),
                        [text])
    node = d.data
    for k in path:
        node = node[k]
    assert node == value and type(node) is type(value)
    assert origin_of(d, path) == "--set"


def test_a_table_override_replaces_the_whole_table():
    d = apply_overrides(doc(MINIMAL + "[states.BE.fixed]\nfinancial_eur = 1\nrelocations = 2\n"),
                        ["states.BE.fixed={financial_eur=0}"])
    assert d.data["states"]["BE"]["fixed"] == {"financial_eur": 0}
    assert format_override(d.applied[0]) == (
        "states.BE.fixed: {financial_eur = 1, relocations = 2} -> {financial_eur = 0} (--set)")
    assert origin_of(d, "states.BE.fixed.relocations") == "--set"  # absent now, because of --set
    assert origin_of(d, "states.BE") == "s.toml"


def test_new_keys_and_tables_are_from_set():
    d = apply_overrides(doc(), ["crisis.state=IT"])
    assert d.data["crisis"] == {"state": "IT"}
    assert d.applied == (Override("crisis.state", MISSING, "IT", "--set"),)
    assert format_override(d.applied[0]) == 'crisis.state: (absent) -> "IT" (--set)'
    assert origin_of(d, "crisis.relocations") == "--set"  # the table itself came from --set


def test_origin_of_array_items_and_unknown_paths():
    d = apply_overrides(doc(), ['participants=["AT","ZZ"]'])
    assert origin_of(d, "participants[1]") == "--set"
    assert origin_of(d, "offsets.needs_share") == "s.toml"
    assert origin_of(d, "(syntax)") == "s.toml"


def test_set_without_equals():
    assert set_error("pool.relocations") == (
        "--set: pool.relocations: no '=' between key path and value; "
        "allowed: key.path=value, such as pool.relocations=25000")


def test_set_bad_key_path():
    assert set_error("pool..relocations=1") == (
        "--set: pool..relocations = '1': not a valid key path; allowed: dotted TOML keys, such "
        'as states.DE.deduction; quote keys holding other characters: states."DE"')


def test_set_empty_key_path():
    assert "--set: (empty) = '1': not a valid key path" in set_error("=1")


def test_set_empty_value():
    assert set_error("scenario.description=") == (
        "--set: scenario.description = '': empty value; "
        'allowed: a TOML value; write "" for an empty string')


def test_set_broken_number():
    assert set_error("pool.relocations=25,000") == (
        "--set: pool.relocations = '25,000': not a valid TOML value (expected newline or end of "
        "document after a statement); numbers take no spaces or commas (25000 or 25_000); quote "
        'text like this; allowed: a TOML value such as 25000, 0.5, true, "text", ["AT", "BE"] or '
        "{financial_eur = 0}")


def test_set_broken_array_explains_shell_quoting():
    assert ("--set: participants = '[AT,BE]': not a valid TOML value (invalid value); quote the "
            "strings inside, and in a shell wrap the whole --set in single quotes: "
            """'participants=["AT", "BE"]'; allowed: a TOML value""") in set_error(
                "participants=[AT,BE]")


def test_set_unterminated_string():
    assert "--set: scenario.name = '\"X Y': not a valid TOML value (unterminated string); " \
        "allowed:" in set_error('scenario.name="X Y')


def test_set_value_smuggling_a_second_key():
    assert "--set: pool.relocations = '1\\nyear = 2': not a single TOML value" in set_error(
        "pool.relocations=1\nyear = 2")


def test_set_undecodable_command_line_bytes():
    # Python hands undecodable argv bytes over as lone surrogates
    assert set_error("scenario.name=Caf\udce9") == (
        "--set: scenario.name=Caf\\udce9: not valid UTF-8 text; allowed: UTF-8 text")


def test_set_through_a_value():
    assert set_error("pool.relocations.x=1") == (
        "--set: pool.relocations.x = '1': pool.relocations is 21000, not a table; "
        "allowed: a key path whose parts before the last name tables")


def test_set_cannot_reach_variants():
    assert set_error("variants.big.pool.relocations=1") == (
        "--set: variants.big.pool.relocations = '1': variants cannot be set; choose a variant "
        "by name; allowed: a key path of the scenario")


def test_same_key_set_twice_names_both():
    assert set_error("pool.relocations=1", "pool.relocations = 2") == (
        "--set: pool.relocations = '2': conflicts with the earlier --set pool.relocations=1; "
        "allowed: each key path once (a table and a key inside it count as the same path)")


def test_table_and_key_inside_it_conflict():
    assert ("--set: states.DE.deduction = '0.5': conflicts with the earlier --set "
            "states.DE={status=\"at_risk\"}") in set_error('states.DE={status="at_risk"}',
                                                          "states.DE.deduction=0.5")


def test_all_problems_in_one_error():
    with pytest.raises(InputError) as err:
        apply_overrides(doc(), ["x", "pool.relocations=1,0", "a..b=1"], variant="nope")
    assert len(err.value.problems) == 4


# --- carried values --------------------------------------------------------------

def test_with_values_records_its_source():
    d = with_values(doc(), {"states.DE.credit_eur": 1_200_000}, "carried from 2026")
    assert d.data["states"]["DE"]["credit_eur"] == 1_200_000
    assert format_override(d.applied[-1]) == (
        "states.DE.credit_eur: (absent) -> 1200000 (carried from 2026)")
    assert origin_of(d, "states.DE.credit_eur") == "carried from 2026"
    s = apply_overrides(d, ["states.DE.credit_eur=0"])  # the command line still wins
    assert s.data["states"]["DE"]["credit_eur"] == 0 and len(s.applied) == 2


def test_with_values_through_a_value():
    assert only(with_values, doc(), {"pool.relocations.x": 1}, "carried from 2026") == (
        "carried from 2026: pool.relocations.x = 1: pool.relocations is 21000, not a table; "
        "allowed: a key path whose parts before the last name tables")


def test_with_values_bad_key_path():
    assert only(with_values, doc(), {"states..DE": 1}, "carried from 2026") == (
        "carried from 2026: states..DE = 1: not a valid key path; allowed: dotted TOML keys, "
        'such as states.DE.deduction; quote keys holding other characters: states."DE"')


def test_with_values_keys_overlap():
    values = {"states.DE": {}, "states.DE.credit_eur": 1}
    assert ("carried from 2026: states.DE.credit_eur = 1: conflicts with the earlier carried "
            "from 2026 states.DE") in only(with_values, doc(), values, "carried from 2026")


def test_with_values_rejects_what_toml_cannot_hold():
    with pytest.raises(TypeError, match="states.DE.credit_eur: not a TOML value: None"):
        with_values(doc(), {"states.DE.credit_eur": None}, "carried from 2026")


# --- digest, TOML out, pickling ----------------------------------------------------

REFORMATTED = """
# the same scenario, written differently
[pool]
financial_eur = 420_000_000   # EUR
relocations = 21_000
[scenario]
year = 2026
name = 'minimal'
"""


def test_digest_ignores_layout_and_sees_overrides():
    assert digest(doc()) == digest(doc(REFORMATTED)) == digest(doc(MINIMAL + "[variants.x]\n"))
    assert digest(apply_overrides(doc(), ["pool.relocations=21000.0"])) != digest(doc())
    assert digest(apply_overrides(doc(), ['scenario.year="2026"'])) != digest(doc())
    assert len(digest(doc())) == 64


def test_to_toml_records_what_ran():
    d = apply_overrides(doc(VARIANTS), ["pool.relocations=25000"], variant="no-deductions")
    text = to_toml(d)
    assert text.startswith("# Effective scenario read from s.toml\n"
                           "# states.AT.deduction: 1.0 -> 0.0 (variant no-deductions)\n"
                           "# pool.relocations: 21000 -> 25000 (--set)\n")
    assert tomllib.loads(text) == d.data


def test_document_pickles():
    d = apply_overrides(doc(VARIANTS), ["crisis.state=IT"], variant="big")
    back = pickle.loads(pickle.dumps(d))
    assert back == d and back.applied[-1].old is MISSING


_keys = st.text(max_size=6)
_offsets = st.integers(-23 * 60, 23 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
_scalars = st.one_of(
    st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), st.text(),
    st.dates(), st.times(), st.datetimes(), st.datetimes(timezones=_offsets))


def _nested(inner):
    # a named function: Hypothesis cannot see the argument used in a lambda
    # split over two lines, and warns that it cannot recurse
    return st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3)


_values = st.recursive(_scalars, _nested, max_leaves=12)
_documents = st.dictionaries(_keys, _values, max_size=5)


def _reversed(value):
    """The same value with every table's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reversed(v) for k, v in reversed(value.items())}
    if isinstance(value, list):
        return [_reversed(v) for v in value]
    return value


@settings(max_examples=300, deadline=None)
@given(_documents)
def test_to_toml_round_trip(data):
    text = to_toml(data)
    assert tomllib.loads(text) == data
    assert digest(tomllib.loads(text)) == digest(data) == digest(_reversed(data))

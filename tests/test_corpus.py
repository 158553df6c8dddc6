"""A corpus of broken scenario files and command lines (tests/corpus/).

Each case runs the real command line and checks the exact exit code, a
fragment of the message, and that no traceback or "internal error" shows.
In a case's arguments and fragment, ``@`` stands for the corpus folder
(``@nan.toml`` is tests/corpus/nan.toml) and ``@tmp/`` for a fresh folder.
Cases that show a defect outside this suite's files are strict xfails whose
reason names the fix.
"""

import shlex
from pathlib import Path
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

from solidarity.cli import app

CORPUS = Path(__file__).resolve().parent / "corpus"
MAX = "1_000_000_000_000_000"
CODES = "Eurostat two-letter codes: AT, BE, BG, CH, CY, CZ, DE, DK, EE, EL, ES, FI, FR, HR, HU, IE, IS, IT"


class Case(NamedTuple):
    id: str
    args: str  #: command line after ``solidarity``
    code: int  #: exact exit code
    fragment: str  #: in stdout or stderr
    xfail: str = ""  #: reason, when the behaviour is wrong today


CASES = [
    # --- numbers: NaN and infinities --------------------------------------------------------------
    Case("nan", "validate @nan.toml", 3,
         f"@nan.toml: pool.relocations = nan: not a number; allowed: whole persons from 0 to {MAX}"),
    Case("inf", "validate @inf.toml", 3,
         f"@inf.toml: pool.financial_eur = inf: infinite; allowed: whole euros from 0 to {MAX}"),
    Case("minus-inf-share", "validate @minus-inf-share.toml", 3,
         "@minus-inf-share.toml: pool.sar_share = -inf: infinite; allowed: a number from 0 to 1"),
    Case("nan-deduction", "validate @nan-deduction.toml", 3,
         "@nan-deduction.toml: states.AT.deduction = nan: not a number"),
    Case("float-overflow", "validate @float-overflow.toml", 3,
         "@float-overflow.toml: pool.relocations = inf: infinite"),
    Case("set-nan", "validate @valid.toml --set pool.financial_eur=nan", 3,
         "--set: pool.financial_eur = nan: not a number"),
    # --- negative values, a zero pool -------------------------------------------------------------
    Case("negative-relocations", "validate @negative-relocations.toml", 3,
         "@negative-relocations.toml: pool.relocations = -21000: negative; allowed: whole persons"),
    Case("negative-need", "validate @negative-need.toml", 3,
         "@negative-need.toml: beneficiaries.IT.needs.relocations = -10: negative"),
    Case("negative-deduction", "validate @negative-deduction.toml", 3,
         "@negative-deduction.toml: states.AT.deduction = -0.2: negative; allowed: a number from 0 to 1"),
    Case("zero-pool", "validate @zero-pool.toml", 3,
         "@zero-pool.toml: pool = {relocations = 0, financial_eur = 0}: the pool is empty; "
         "allowed: relocations or financial_eur above 0"),
    # --- enormous numbers, integers beyond 2**63 --------------------------------------------------
    Case("enormous", "validate @enormous.toml", 3,
         f"@enormous.toml: pool.financial_eur = 10000000000000000: too large: the largest allowed is {MAX}"),
    Case("beyond-int64", "validate @beyond-int64.toml", 3,
         "@beyond-int64.toml: pool.relocations = 9223372036854775808: too large: "
         f"the largest allowed is {MAX}"),
    Case("beyond-int64-negative", "validate @beyond-int64-negative.toml", 3,
         "@beyond-int64-negative.toml: pool.relocations = -9223372036854775809: negative"),
    Case("huge-float", "validate @huge-float.toml", 3,
         f"@huge-float.toml: pool.relocations = 1e+300: too large: the largest allowed is {MAX}"),
    Case("persons-worth-too-much", "validate @persons-worth-too-much.toml", 3,
         "@persons-worth-too-much.toml: crisis.relocations = 1000000000000000: too large: worth "
         "20_000_000_000_000_000_000 EUR at EUR 20000 per relocation; the largest allowed is "
         "50_000_000_000 persons"),
    Case("set-enormous", "validate @valid.toml --set pool.relocations=1e16", 3,
         f"--set: pool.relocations = 1e+16: too large: the largest allowed is {MAX}"),
    Case("many-digits", "validate @many-digits.toml", 3, "@many-digits.toml: "),
    Case("set-many-digits", "validate @valid.toml --set pool.relocations=1" + "0" * 5000, 3,
         "--set: pool.relocations"),
    # --- whole numbers ----------------------------------------------------------------------------
    Case("not-whole", "validate @not-whole.toml", 3,
         "@not-whole.toml: pool.financial_eur = 420000000.5: not a whole number; "
         f"allowed: whole euros from 0 to {MAX}"),
    Case("whole-float", "validate @whole-float.toml", 0, "@whole-float.toml: valid (whole-float, 2026;"),
    Case("set-not-whole", "validate @valid.toml --set pool.relocations=21000.5", 3,
         "--set: pool.relocations = 21000.5: not a whole number"),
    # --- the rate per relocation ------------------------------------------------------------------
    Case("rate-zero", "validate @rate-zero.toml", 3,
         "@rate-zero.toml: pool.financial_eur = 10000: the rate per relocation F / R = 10000 / 21000 rounds "
         "to zero euros; allowed: financial_eur >= relocations / 2 (10500), or set pool.equivalence_eur"),
    Case("relocation-only", "run @relocation-only.toml -o @tmp/out -f csv", 0,
         "26 participants share a pool of EUR 420 000 000 (21 000 relocations at EUR 20 000 each)"),
    Case("relocation-only-equivalence", "run @relocation-only-equivalence.toml -o @tmp/out -f csv", 0,
         "26 participants share a pool of EUR 315 000 000 (21 000 relocations at EUR 15 000 each)"),
    Case("large-money-pool", "run @large-money-pool.toml -o @tmp/out -f csv", 0,
         "Beneficiaries receive EUR 90 749 434 169 of the EUR 90 749 434 169 of money needed."),
    # A valid pool whose fairness split once depended on the backend (issue 13); every backend
    # and the tables' equality: tests/test_fuzz.py::test_fairness_tie_gives_one_result
    Case("fairness-tie", "run @fairness-tie.toml -o @tmp/out -f csv --solver cbc", 0,
         "3 participants share a pool of EUR 2 000 000 (100 relocations at EUR 20 000 each)"),
    # Two more pools the fuzzing found (issue 13): tests/test_fuzz.py::test_earlier_ties_give_one_result
    Case("receipt-tie", "run @receipt-tie.toml -o @tmp/out -f csv", 0,
         "7 participants share a pool of EUR 2 000 000 (100 relocations at EUR 20 000 each)"),
    Case("deviation-order-tie", "run @deviation-order-tie.toml -o @tmp/out -f csv", 0,
         "4 participants share a pool of EUR 2 000 000 (100 relocations at EUR 20 000 each)"),
    # The type-balance optimum taken for out of reach from CBC's 8-digit LP value (issue 13):
    # tests/test_fuzz.py::test_earlier_ties_give_one_result
    Case("ratio-precision", "run @ratio-precision.toml -o @tmp/out -f csv --solver cbc", 0,
         "Beneficiaries receive 63 of the 255 relocations needed"),
    Case("fairness-bounds", "run @fairness-bounds.toml -o @tmp/out -f csv", 0,
         "Beneficiaries receive 73 of the 3 209 relocations needed"),
    # The SAR target binding: the others' leftover euros went all to alternative measures while a
    # lower money coverage could take them (issue 13, the verifier's Art 60(2) trade)
    Case("sar-euro-balance", "run @sar-euro-balance.toml -o @tmp/out -f csv", 0,
         "Beneficiaries receive 62 of the 900 relocations needed"),
    # the verifier's pool type-balance check once took money from a non-SAR beneficiary that only the SAR
    # state itself could have sent (nobody sends to itself): the run was right, the check too loose
    Case("pool-type-balance", "run @pool-type-balance.toml -o @tmp/out -f csv", 0,
         "3 participants share a pool"),
    # --- participants and country codes -----------------------------------------------------------
    Case("duplicate-participants", "validate @duplicate-participants.toml", 3,
         "@duplicate-participants.toml: participants[2] = 'AT': duplicate country code; "
         "allowed: each code once"),
    Case("unknown-code", "validate @unknown-code.toml", 3,
         f"@unknown-code.toml: participants[1] = 'XX': unknown country code; allowed: {CODES}"),
    Case("lowercase-code", "validate @lowercase-code.toml", 3,
         "@lowercase-code.toml: states.de = 'de': unknown country code (codes are upper case: DE)"),
    Case("greece-gr", "validate @greece-gr.toml", 3,
         "@greece-gr.toml: beneficiaries.GR = 'GR': unknown country code (Eurostat writes Greece as EL)"),
    Case("uk", "validate @uk.toml", 3,
         "@uk.toml: participants[1] = 'UK': unknown country code "
         "(the United Kingdom is not bound by the AMMR)"),
    Case("country-name", "validate @country-name.toml", 3,
         "@country-name.toml: participants[0] = 'Germany': unknown country code (did you mean DE?)"),
    Case("empty-participants", "validate @empty-participants.toml", 3,
         "@empty-participants.toml: participants = []: empty participant set"),
    Case("participants-after-header", "validate @participants-after-header.toml", 3,
         "@participants-after-header.toml: scenario.participants: unknown key (participants belongs at the "
         "top of the file, above the first [table] header)"),
    Case("state-not-participant", "validate @state-not-participant.toml", 3,
         "@state-not-participant.toml: states.DK = 'DK': not a participant; allowed: one of the scenario's "
         "participants: AT, BE, BG,"),
    Case("beneficiary-not-participant", "validate @beneficiary-not-participant.toml", 3,
         "@beneficiary-not-participant.toml: beneficiaries.IT = 'IT': not a participant; allowed: one of the "
         "scenario's participants: AT, BE"),
    Case("crisis-not-participant", "validate @crisis-not-participant.toml", 3,
         "@crisis-not-participant.toml: crisis.state = 'DK': not a participant"),
    Case("crisis-additional-not-participant", "validate @crisis-additional-not-participant.toml", 3,
         "@crisis-additional-not-participant.toml: crisis.additional.NO = 'NO': not a participant"),
    Case("set-participants-lowercase", "validate @valid.toml --set 'participants=[\"at\"]'", 3,
         "--set: participants[0] = 'at': unknown country code (codes are upper case: AT)"),
    # --- misspellings -----------------------------------------------------------------------------
    Case("method-misspelt", "validate @method-misspelt.toml", 3,
         "@method-misspelt.toml: key.method = 'hamliton': unknown value (did you mean 'hamilton'?); "
         "allowed: hamilton, webster, dhondt, huntington_hill, ceiling"),
    Case("status-misspelt", "validate @status-misspelt.toml", 3,
         "@status-misspelt.toml: states.AT.status = 'at-risk': unknown value (did you mean 'at_risk'?)"),
    Case("priority-misspelt", "validate @priority-misspelt.toml", 3,
         "@priority-misspelt.toml: allocation.priority = 'preference': unknown value "
         "(did you mean 'preferences'?)"),
    Case("key-misspelt", "validate @key-misspelt.toml", 3,
         "@key-misspelt.toml: pool.relocatons: unknown key (did you mean 'relocations'?)"),
    Case("table-misspelt", "validate @table-misspelt.toml", 3,
         "@table-misspelt.toml: state: unknown key (did you mean 'states'?)"),
    Case("replaced-key", "validate @replaced-key.toml", 3,
         "@replaced-key.toml: offsets.minimum_relocations = 30000: this key was replaced; allowed: use "
         "offsets.reference_relocations"),
    Case("set-solver-misspelt", "validate @valid.toml --set solver.name=higs", 3,
         "--set: solver.name = 'higs': unknown value (did you mean 'highs'?)"),
    # --- wrong types, tables and values -----------------------------------------------------------
    Case("quoted-number", "validate @quoted-number.toml", 3,
         "@quoted-number.toml: pool.relocations = '21000': wrong type: a string "
         "(write numbers without quotes)"),
    Case("boolean-number", "validate @boolean-number.toml", 3,
         "@boolean-number.toml: states.AT.deduction = true: wrong type: a boolean; "
         "allowed: a number from 0 to 1"),
    Case("table-for-value", "validate @table-for-value.toml", 3,
         "@table-for-value.toml: pool.relocations = {value = 21000}: wrong type: a table"),
    Case("value-for-table", "validate @value-for-table.toml", 3,
         "@value-for-table.toml: pool = 21000: must be a table, not a whole number"),
    Case("mix-not-table", "validate @mix-not-table.toml", 3,
         "@mix-not-table.toml: states.AT.mix = 0.5: must be a table, not a decimal number"),
    Case("time-limit-zero", "validate @time-limit-zero.toml", 3,
         "@time-limit-zero.toml: solver.time_limit = 0: must be above 0"),
    Case("data-file-missing", "validate @data-file-missing.toml", 3,
         "@data-file-missing.toml: data.gdp_file = 'no-such-gdp.tsv': file not found"),
    # --- the trust boundary: data paths stay inside the scenario's folder, the current one or --data-dir
    Case("data-file-outside", "validate @data-file-outside.toml", 3,
         "@data-file-outside.toml: data.population_file = '/etc/passwd': outside the trusted folders (the "
         "scenario's folder, the current folder and any --data-dir): not read; name its folder with "
         "--data-dir DIR (repeatable) to allow it"),
    Case("data-file-climb", "validate @data-file-climb.toml", 3,
         "@data-file-climb.toml: data.gdp_file = '../../../../../../../../../../etc/shadow': outside the "
         "trusted folders"),
    Case("data-file-device", "validate @data-file-device.toml", 3,
         "@data-file-device.toml: data.gdp_file = '/dev/zero': outside the trusted folders"),
    Case("data-file-device-allowed", "validate @data-file-device.toml --data-dir /dev", 3,
         "@data-file-device.toml: data.gdp_file = '/dev/zero': a device or special file, not a regular "
         "file: not read"),
    Case("data-file-allowed-not-quoted", "validate @data-file-outside.toml --data-dir /etc", 3,
         "/etc/passwd: line 1 (header): unrecognised file format"),
    Case("run-data-file-outside", "run @data-file-outside.toml -o @tmp/out", 3, "outside the trusted folders"),
    Case("set-string-for-number", "validate @valid.toml --set pool.relocations=many", 3,
         "--set: pool.relocations = 'many': wrong type: a string; allowed: whole persons"),
    Case("set-table-for-value", "validate @valid.toml --set pool.relocations={a=1}", 3,
         "--set: pool.relocations = {a = 1}: wrong type: a table"),
    # --- every problem at once --------------------------------------------------------------------
    Case("many-problems", "validate @many-problems.toml", 3,
         "error: 7 problems found:\n  - @many-problems.toml: "),
    # --- the file itself --------------------------------------------------------------------------
    Case("non-utf8", "validate @non-utf8.toml", 3,
         "@non-utf8.toml: line 8, column 12: byte 0xE9 is not valid UTF-8 (invalid continuation byte); "
         "allowed: UTF-8 text"),
    Case("utf16", "validate @utf16.toml", 3, "@utf16.toml: line 1, column 1: byte 0xFF is not valid UTF-8"),
    Case("utf8-bom", "validate @utf8-bom.toml", 0, "@utf8-bom.toml: valid (bom, 2026;"),
    Case("truncated", "validate @truncated.toml", 3,
         "@truncated.toml: end of file (line 7) = 'financial_eur =': not valid TOML: invalid value; the file "
         "ends here: is it complete?"),
    Case("empty", "validate @empty.toml", 3,
         "@empty.toml: file: is empty; allowed: a scenario with at least a [scenario] and a [pool] table"),
    Case("comments-only", "validate @comments-only.toml", 3,
         "@comments-only.toml: file: holds only comments and blank lines"),
    Case("folder", "validate @", 3, "file: is a folder, not a file (its scenario files: "),
    Case("missing-file", "validate @no-such-scenario.toml", 3,
         "@no-such-scenario.toml: file: no such file"),
    Case("run-missing-file", "run @no-such-scenario.toml", 3, "@no-such-scenario.toml: file: no such file"),
    # --- overrides --------------------------------------------------------------------------------
    Case("set-negative", "run @valid.toml --set pool.relocations=-5", 3,
         f"--set: pool.relocations = -5: negative; allowed: whole persons from 0 to {MAX}"),
    Case("set-not-toml", "validate @valid.toml --set pool.relocations=25,000", 3,
         "--set: pool.relocations = '25,000': not a valid TOML value"),
    Case("set-unknown-key", "validate @valid.toml --set pool.relocatons=5", 3,
         "--set: pool.relocatons: unknown key (did you mean 'relocations'?)"),
    Case("set-no-equals", "validate @valid.toml --set pool.relocations", 3,
         "--set: pool.relocations: no '=' between key path and value"),
    Case("set-twice", "validate @valid.toml --set pool.relocations=1 --set pool.relocations=2", 3,
         "--set: pool.relocations = '2': conflicts with the earlier --set pool.relocations=1"),
    Case("variant-unknown", "validate @valid.toml --variant hihg", 3,
         "@valid.toml: variants.hihg: unknown variant (did you mean 'high'?); allowed: a variant of this file: "
         "broken, high"),
    Case("variant-bad-value", "validate @valid.toml --variant broken", 3,
         "@valid.toml: variant broken: pool.relocations = -1: negative"),
    Case("variant-good", "validate @valid.toml --variant high", 0,
         "override pool.relocations: 21000 -> 30000 (variant high)"),
    # --- hard constraints and outputs -------------------------------------------------------------
    Case("conflict", "run @conflict.toml -o @tmp/out", 4,
         "@conflict.toml: the scenario's constraints conflict:\n  - the recorded pledges of AT"),
    Case("output-is-a-file", "run @valid.toml -o @tmp/a-file -f csv", 7,
         "it is a file, not a folder"),
    Case("write-lp-folder", "run @valid.toml -o @tmp/out --write-lp @tmp/", 7,
         "is a folder, not a file (name a file such as model.lp)"),
    Case("cycle-not-strings", "cycle @cycle-not-strings.toml -o @tmp/out", 3,
         "@cycle-not-strings.toml: cycle.scenarios[0] = 1: not a file name; allowed: a string in quotes"),
    Case("cycle-outside", "cycle @cycle-not-strings.toml -o @tmp/out", 3,
         "@cycle-not-strings.toml: cycle.scenarios[1] = '/etc/passwd': outside the trusted folders"),
    Case("compare-format-without-output", "compare @valid.toml @valid.toml -f xlsx", 3,
         "command line: --format = ['xlsx']: needs --output: without it the comparison is printed as text"),
    Case("synthetic-unwritable", "synthetic -c 10 -b 2 -o /proc/solidarity-no-such", 7,
         "cannot write /proc/solidarity-no-such: "),
    # --- limits: what a request may make us spend (issue 19)
    Case("synthetic-too-large", "synthetic -c 1000000000000 -b 10 -o @tmp/syn", 3,
         "command line: --contributors = 1000000000000: needs about 1.3 PB of memory (1300 bytes per unit, "
         "measured), more than 80% of the "),
    Case("sweep-tiny-step", "sweep @valid.toml --vary pool.sar_share=0:1:1e-5000 -o @tmp/sw", 3,
         "--vary: pool.sar_share = '0:1:1e-5000': the step '1e-5000' is outside the numbers a range takes: "
         "0, or from 1e-15 to 1e18 in size, in at most 40 characters"),
    Case("sweep-huge-grid", "sweep @valid.toml --vary pool.sar_share=0:1:1e-15 -o @tmp/sw", 3,
         "1000000000000001 values; at most 100000 points in a sweep"),
    Case("set-too-deep", "validate @valid.toml --set key.x=" + "[" * 5000 + "]" * 5000, 3,
         "--set: key.x: arrays or tables nested more than 32 levels deep; allowed: at most 32 levels"),
    # --- the key command --------------------------------------------------------------------------
    Case("key-unknown-participant", "key --participants DE,XX", 3,
         "command line: --participants = 'XX': unknown country code"),
    Case("key-lowercase-participant", "key --participants de", 3,
         "command line: --participants = 'de': unknown country code (codes are upper case: DE)"),
    Case("key-empty-pool", "key --relocations 0 --financial-eur 0", 3, "the pool is empty"),
    Case("key-parquet-to-stdout", "key -f parquet", 3, "stdout takes exactly one text format"),
    Case("key-negative-relocations", "key --relocations -5", 2, "--relocations"),
    Case("key-unknown-method", "key --method hamliton", 3,
         "command line: --method = 'hamliton': unknown value"),
    Case("key-method-suggestion", "key --method hamliton", 3, "unknown value (did you mean 'hamilton'?)"),
    Case("key-uk", "key --participants AT,UK", 3, "(the United Kingdom is not bound by the AMMR)"),
    Case("key-enormous-relocations", "key --relocations 10000000000000000", 3,
         "--relocations = 10000000000000000: too large"),
    Case("unknown-option", "validate @valid.toml --no-such-option", 2, "No such option"),
]


def test_the_corpus_is_large_enough_and_every_file_is_used():
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)
    used = " ".join(c.args for c in CASES)
    for path in CORPUS.glob("*.toml"):
        assert f"@{path.name}" in used, path.name


def _expand(text: str, tmp: Path) -> str:
    return text.replace("@tmp/", f"{tmp}/").replace("@", f"{CORPUS}/")


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=c.xfail)) if c.xfail else c
    for c in CASES], ids=[c.id for c in CASES])
def test_corpus(case, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    args = [_expand(a, tmp_path) for a in shlex.split(case.args)]
    if args[-1] == f"{CORPUS}/":
        args[-1] = str(CORPUS)
    res = CliRunner().invoke(app, args)
    text = res.stdout + res.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == case.code, text
    assert _expand(case.fragment, tmp_path) in text, text

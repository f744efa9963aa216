"""Bad input, generated: whatever a scenario file holds, ``cxmon validate`` and ``cxmon run`` answer
with exit code 2 and one ``file:line: what was expected`` line per problem — never a traceback,
and nothing runs.

The commands run in-process through ``cxmon.cli.main`` (the one place that maps exceptions to exit
codes), so hypothesis can try hundreds of files in seconds. ``CXMON_BROWSER`` points nowhere: a
``run`` that got as far as starting a browser would exit 3, not 2.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxmon.cli import main

VALID: dict[str, Any] = {
    "name": "shop",
    "base_url": "http://127.0.0.1:8400",
    "schedule": "1m",
    "matrix": {"payment_method": ["card", "invoice"]},
    "budgets": {"step": "3s", "journey": "30s"},
    "secrets": ["CARD"],
    "variables": {"CARD": "4242424242424242"},
    "http": {"headers": {"X-Token": "abc"}, "identify": {"header_scope": "own"}},
    "cleanup": {"url": "/orders/${order_number}/cancel"},
    "steps": [
        {"name": "home", "stage": "browse", "goto": "/", "expect": {"text": "Shop"}},
        {
            "name": "pay",
            "pay": {"method": "${payment_method}", "fill": {"Card": "${CARD}"}},
            "click": {"role": "button", "name": "Pay"},
        },
        {"name": "done", "confirm": {"text": "Thank you", "order_number": "Order #(\\w+)"}},
    ],
}
# What every error line says after "file:line: ": what was expected, or what is wrong with the value.
EXPECTED_WORDS = re.compile(
    r"expected|unknown key|missing required key|duplicate|invalid YAML|not a valid|is not set|goes with|"
    r"at least one|cannot read|no such file|should|must|Input should|not valid"
)
settings.register_profile(
    "cxmon",
    max_examples=int(os.environ.get("CXMON_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("cxmon")


@pytest.fixture(autouse=True)
def _no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXMON_BROWSER", "/nonexistent/chromium")
    monkeypatch.setenv("NO_COLOR", "1")


def check_rejected(path: Path, out: str, err: str, status: int) -> None:
    assert "Traceback" not in out + err
    assert status == 2, (status, out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "no error message"
    for line in lines:
        m = re.match(rf"^error: {re.escape(str(path))}:(\d+): (.+)$", line)
        assert m, f"not 'error: FILE:LINE: message': {line!r}"
        assert int(m.group(1)) >= 1
        assert EXPECTED_WORDS.search(m.group(2)), f"does not say what was expected: {line!r}"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- malformed YAML -------------------------------------------------------------------------------

yaml_noise = st.text(alphabet=st.sampled_from(list("ab:-[]{}\"'#&*!|>%@`, \n\t?\\")), min_size=1, max_size=80)


@given(text=yaml_noise, command=st.sampled_from(["validate", "run"]))
def test_malformed_yaml_is_rejected_with_file_and_line(text: str, command: str, tmp_path_factory, capsys) -> None:
    path = tmp_path_factory.mktemp("yaml") / "bad.yml"
    path.write_text(text)
    status, out, err = run_cli(capsys, command, str(path))
    check_rejected(path, out, err, status)


# --- documents too deep or too big to be a scenario ------------------------------------------------


@given(
    depth=st.integers(1, 3000),
    nest=st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")]),
    command=st.sampled_from(["validate", "run"]),
)
def test_nesting_of_any_depth_is_rejected_with_file_and_line(
    depth: int, nest: tuple[str, str], command: str, tmp_path_factory, capsys
) -> None:
    opening, closing = nest
    if opening == "- ":  # block style: each level one line deeper; 400 levels stay under the size limit
        depth = min(depth, 400)
        value = "".join(f"\n{'  ' * (i + 1)}- " for i in range(depth)) + "1"
    else:
        value = opening * depth + "1" + closing * depth
    path = tmp_path_factory.mktemp("deep") / "deep.yml"
    path.write_text(f"name: shop\nbase_url: http://127.0.0.1:8400\nsteps: {value}\n")
    status, out, err = run_cli(capsys, command, str(path))
    check_rejected(path, out, err, status)


# --- schema-breaking scenarios ------------------------------------------------------------------

wrong_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(paths_of(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(paths_of(v, (*prefix, i)))
    return out


ALL_PATHS = paths_of(VALID)


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def broken_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(VALID))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        try:
            parent = _parent(data, path)
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(parent, (dict, list)):
            continue  # an earlier change made the parent a scalar (a string indexes, but cannot be assigned)
        how = draw(st.sampled_from(["replace", "delete", "unknown_key"]))
        if how == "replace":
            parent[path[-1]] = draw(wrong_values)
        elif how == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["clik", "nmae", "stpes", "timeout_ms", "extra"]))] = 1
    return data


@given(data=broken_scenarios(), command=st.sampled_from(["validate", "run"]))
def test_schema_breaking_scenarios_are_rejected_with_file_line_and_expectation(
    data: dict[str, Any], command: str, tmp_path_factory, capsys
) -> None:
    path = tmp_path_factory.mktemp("schema") / "broken.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    status, out, err = run_cli(capsys, "validate", str(path))
    assert "Traceback" not in out + err
    if status == 0:
        return  # the mutation happened to keep the file valid (a text where a text goes)
    check_rejected(path, out, err, status)
    if command == "run":
        status, out, err = run_cli(capsys, "run", str(path))
        check_rejected(path, out, err, status)


# --- the rest of the table: flags, paths, names, URLs ----------------------------------------------


def _write(folder: Path, name: str, **changes: Any) -> Path:
    data = {**yaml.safe_load(yaml.safe_dump(VALID)), **changes}
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


BOTH = ("validate", "run")
_UNREADABLE = {
    "deep_nesting": "  - " + "[" * 400 + "]" * 400 + "\n",
    "alias_loop": "  - &s [*s]\n",
    # Each list holds ten aliases of the one before: ten, a hundred, ... a hundred thousand values.
    "alias_bomb": "  - &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"  - &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcd", "bcde", strict=True)),
    "huge_file": "  - {name: home, goto: /}\n" * 20_000,
}


@pytest.mark.parametrize(
    ("case", "message", "commands"),
    [
        ("unknown_flag", "No such option: --no-such-flag", BOTH),
        ("binary_file", "cannot read the file", BOTH),
        ("broken_symlink", "no such file or folder", BOTH),
        ("duplicate_names", "duplicate scenario name 'shop'", BOTH),
        ("ftp_base_url", "base_url: expected an http:// or https:// URL, got 'ftp://shop.example'", BOTH),
        # Only `run` walks a shop, so only `run` takes --base-url.
        ("bad_base_url_flag", "--base-url: expected an http:// or https:// URL", ("run",)),
        ("empty_folder", "no scenario files", BOTH),
        ("deep_nesting", ":4: nested deeper than 50 levels (expected lists and mappings a few levels deep)", BOTH),
        ("alias_loop", ":4: alias *s is used inside the value it names (expected no loop)", BOTH),
        ("alias_bomb", ":8: more than 50,000 values, an alias counted each time it is used", BOTH),
        ("huge_file", "bytes (expected a scenario of at most 250,000)", BOTH),
    ],
)
def test_bad_input_table(case: str, message: str, commands: tuple[str, ...], tmp_path: Path, capsys) -> None:
    for command in commands:
        _check_bad_input(case, message, command, tmp_path / command, capsys)


def _check_bad_input(case: str, message: str, command: str, tmp_path: Path, capsys) -> None:
    tmp_path.mkdir()
    args: list[str]
    if case == "unknown_flag":
        args = [str(_write(tmp_path, "a")), "--no-such-flag"]
    elif case == "binary_file":
        path = tmp_path / "binary.yml"
        path.write_bytes(b"\xff\xfe\x00garbage\x80")
        args = [str(path)]
    elif case == "broken_symlink":
        link = tmp_path / "gone.yml"
        link.symlink_to(tmp_path / "nowhere.yml")
        args = [str(link)]
    elif case == "duplicate_names":
        args = [str(_write(tmp_path, "a")), str(_write(tmp_path, "b"))]
    elif case == "ftp_base_url":
        args = [str(_write(tmp_path, "a", base_url="ftp://shop.example"))]
    elif case == "bad_base_url_flag":
        args = [str(_write(tmp_path, "a")), "--base-url", "file:///etc/passwd"]
    elif case in ("deep_nesting", "alias_loop", "alias_bomb", "huge_file"):
        path = tmp_path / f"{case}.yml"
        path.write_text("name: shop\nbase_url: http://127.0.0.1:8400\nsteps:\n" + _UNREADABLE[case])
        args = [str(path)]
    else:
        (tmp_path / "empty").mkdir()
        args = [str(tmp_path / "empty")]
    status, out, err = run_cli(capsys, command, *args)
    assert status == 2, (status, out, err)
    assert message in err, err
    assert "Traceback" not in out + err


# --- numbers that make no sense ------------------------------------------------------------------

CONCURRENCY = "expected 1 or more journeys at a time (omit it for one per CPU core, at most 4)"


@pytest.mark.parametrize(
    ("command", "flags", "message"),
    [
        ("run", ["--concurrency", "0"], f"error: --concurrency: {CONCURRENCY}, got 0"),
        ("run", ["-j", "-3"], f"error: --concurrency: {CONCURRENCY}, got -3"),
        ("serve", ["--concurrency", "0"], f"error: --concurrency: {CONCURRENCY}, got 0"),
        ("run", ["--retries", "-1"], "Invalid value for '--retries': Input should be greater than or equal to 0"),
        ("run", ["--repeat", "0"], "Invalid value for '--repeat': Input should be greater than or equal to 1"),
        ("run", ["--max-regression", "-5"], "Invalid value for '--max-regression': Input should be greater than or "
         "equal to 0"),
        ("run", ["--step-timeout", "-2s"], "error: --step-timeout: expected a duration like 500ms, 2s, 1.5m or 1h, "
         "got '-2s'"),
    ],
)
def test_numbers_that_make_no_sense_are_bad_input(
    command: str, flags: list[str], message: str, tmp_path: Path, capsys
) -> None:
    status, out, err = run_cli(capsys, command, str(_write(tmp_path, "a")), *flags)
    assert status == 2, (status, out, err)
    assert message in err, err
    assert "Traceback" not in out + err

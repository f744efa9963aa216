"""Sharding: N runners partition the journeys; scenarios and runners come and go with little movement."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxmon.model import JourneyKey
from cxmon.scenario import load_scenarios
from cxmon.sharding import Shard, parse_shard, select, shard_of
from tests.helpers import CXMON, ROOT, write_demo_scenario

METHODS = ("card", "invoice", "instalments", "mobile_pay")
DEVICES = ("Desktop Chrome", "iPhone 13", "Pixel 7")


def keys(scenarios: int, location: str = "default") -> list[JourneyKey]:
    """A scenario set as it expands: each scenario × payment method × device."""
    return [
        JourneyKey(f"checkout-{n:02d}", method, device, location)
        for n in range(scenarios)
        for method in METHODS
        for device in DEVICES
    ]


class Keyed:
    def __init__(self, key: JourneyKey) -> None:
        self.key = key


def shards_of(journeys: list[JourneyKey], total: int) -> list[list[JourneyKey]]:
    items = [Keyed(k) for k in journeys]
    return [[j.key for j in select(items, Shard(i, total))] for i in range(1, total + 1)]


@pytest.mark.parametrize("total", [1, 2, 3, 4, 5])
def test_shards_partition_the_journeys_exactly(total: int) -> None:
    journeys = keys(20)
    shards = shards_of(journeys, total)
    flat = [k for shard in shards for k in shard]
    assert sorted(flat, key=str) == sorted(journeys, key=str)  # every journey, none twice
    assert len(flat) == len(set(flat))
    if total > 1:
        # Rendezvous hashing spreads evenly: no shard is empty or holds more than twice its share.
        assert all(0 < len(shard) < 2 * len(journeys) / total for shard in shards), [len(s) for s in shards]


@pytest.mark.parametrize("total", [1, 2, 3, 4, 5])
def test_adding_a_scenario_moves_no_existing_journey(total: int) -> None:
    before = keys(20)
    after = keys(21)
    assert set(before) < set(after)
    old = shards_of(before, total)
    new = shards_of(after, total)
    for i in range(total):
        assert set(old[i]) <= set(new[i])


@pytest.mark.parametrize("total", [1, 2, 3, 4, 5])
def test_one_more_runner_moves_at_most_two_shares(total: int) -> None:
    journeys = keys(20)
    moved = [k for k in journeys if shard_of(k, total) != shard_of(k, total + 1)]
    assert len(moved) <= 2 * len(journeys) / (total + 1), (len(moved), len(journeys))
    # Only to the new runner: nothing moves between the runners that were already there.
    assert all(shard_of(k, total + 1) == total + 1 for k in moved)


def test_the_location_does_not_change_the_split() -> None:
    for a, b in zip(keys(10, "helsinki"), keys(10, "frankfurt"), strict=True):
        assert shard_of(a, 4) == shard_of(b, 4)


def test_the_split_is_stable_across_processes() -> None:
    # A fixed expectation: Python's salted hash() would differ between runs and machines.
    code = (
        "from cxmon.model import JourneyKey; from cxmon.sharding import shard_of;"
        "print([shard_of(JourneyKey(f's{n}', 'card'), 5) for n in range(12)])"
    )
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, cwd=ROOT).stdout
        for seed in ("1", "2")
    }
    assert runs == {str([shard_of(JourneyKey(f"s{n}", "card"), 5) for n in range(12)]) + "\n"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1/1", Shard(1, 1)), ("2/5", Shard(2, 5)), (" 5 / 5 ", Shard(5, 5))],
)
def test_parse_shard(value: str, expected: Shard) -> None:
    assert parse_shard(value) == expected
    assert str(expected) == value.replace(" ", "")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2", "expected INDEX/TOTAL with whole numbers, e.g. 2/5 (runner 2 of 5), got '2'"),
        ("a/b", "expected INDEX/TOTAL with whole numbers, e.g. 2/5 (runner 2 of 5), got 'a/b'"),
        ("-1/3", "expected INDEX/TOTAL with whole numbers, e.g. 2/5 (runner 2 of 5), got '-1/3'"),
        ("0/3", "the shard index is 1-based and at most the number of shards, got '0/3'"),
        ("4/3", "the shard index is 1-based and at most the number of shards, got '4/3'"),
        ("1/0", "the number of shards must be at least 1, got '1/0'"),
    ],
)
def test_parse_shard_rejects(value: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_shard(value)
    assert str(info.value) == message


def test_real_scenario_files_split_the_same_way(tmp_path: Path) -> None:
    for name in ("alpha", "beta", "gamma"):
        write_demo_scenario(tmp_path, methods=list(METHODS), name=name)
    journeys = [j for sf in load_scenarios([tmp_path]) for j in sf.journeys(location="oulu")]
    assert len(journeys) == 12
    shards = [select(journeys, Shard(i, 3)) for i in (1, 2, 3)]
    assert sorted(j.key.id for s in shards for j in s) == sorted(j.key.id for j in journeys)
    assert select(journeys, None) == journeys


def _cxmon(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CXMON, *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **env})


def test_list_shows_a_shard(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path, methods=list(METHODS))
    listed = set()
    for i in (1, 2):
        out = _cxmon("list", str(path), "--shard", f"{i}/2")
        assert out.returncode == 0, out.stderr
        assert f"journeys of shard {i}/2" in out.stdout
        listed |= {m for m in METHODS for line in out.stdout.splitlines() if f"demo-checkout[{m}]" in line}
    assert listed == set(METHODS)
    out = _cxmon("list", str(path), CXMON_SHARD="1/2")
    assert "journeys of shard 1/2" in out.stdout


@pytest.mark.parametrize("command", ["list", "serve"])
def test_a_bad_shard_is_a_usage_error(tmp_path: Path, command: str) -> None:
    path = write_demo_scenario(tmp_path)
    out = _cxmon(command, str(path), "--shard", "3/2")
    assert out.returncode == 2
    assert "error: --shard: the shard index is 1-based and at most the number of shards, got '3/2'" in out.stderr
    out = _cxmon(command, str(path), CXMON_SHARD="two")
    assert out.returncode == 2
    assert "error: --shard: expected INDEX/TOTAL" in out.stderr

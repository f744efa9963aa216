"""The soak's memory verdict compares window means, not two single samples."""

from __future__ import annotations

from benchmarks.soak import SoakResult


def test_growth_compares_the_mean_of_the_first_and_last_windows_after_warmup() -> None:
    # Warm-up samples (journeys < 10) are ignored; a sawtooth (browser replaced every 4 journeys)
    # has the same mean in every whole period, so it is not growth.
    samples = [(j, 999_999) for j in range(10)] + [(j, 100 + 20 * ((j - 10) % 4)) for j in range(10, 30)]
    start, end, growth = SoakResult().growth(samples, warmup=10, window=4)
    assert (start, end) == (130, 130)
    assert growth == 0.0


def test_growth_sees_a_steady_climb() -> None:
    samples = [(j, 1000 + 10 * j) for j in range(100)]
    start, end, growth = SoakResult().growth(samples, warmup=0, window=10)
    assert start == 1045 and end == 1945
    assert round(growth, 1) == 86.1


def test_series_shows_about_every_n_journeys() -> None:
    samples = [(j, 1024 * j) for j in range(0, 60, 5)]
    assert SoakResult.series(samples, every=25) == "0: 0, 25: 25, 50: 50"

"""Tests for model/durations.py."""

from model import durations


def test_format_duration():
    assert durations.format_duration(3725.4) == "1:02:05"
    assert durations.format_duration(-3) == "0:00:00"

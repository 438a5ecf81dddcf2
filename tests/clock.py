"""A pharmacy clock for tests: a fixed instant that a test moves on by whole days, seen by the
pharmacy's date (timeutil.pharmacy_today) and by the services that stamp the time of a
fill's steps, so date rules are tested on fixed dates, never the wall clock."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

# Where the workflow reads the time: the pharmacy's date, and the services that default a
# step's time (a dispensing, an acceptance) to now.
READERS = (
    "pharmacy_app.timeutil",
    "pharmacy_app.compounding.services",
    "pharmacy_app.compounding.expiry",
    "pharmacy_app.dispensing.services",
    "pharmacy_app.dispensing.routes",
    "pharmacy_app.dispensing.final_check",
    "pharmacy_app.dispensing.refills",
    "pharmacy_app.dispensing.will_call",
)


class Clock:
    """The instant every reader sees; `to(date)` moves it to 10:00 in Portland that day."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
        self.now = _ten_in_portland(day)
        for name in READERS:
            monkeypatch.setattr(importlib.import_module(name), "utcnow", lambda: self.now)

    @property
    def today(self) -> dt.date:
        return (self.now - dt.timedelta(hours=8)).date()

    def to(self, day: dt.date) -> None:
        self.now = _ten_in_portland(day)

    def on(self, days: int) -> None:
        self.to(self.today + dt.timedelta(days=days))


def _ten_in_portland(day: dt.date) -> dt.datetime:
    # 18:00 UTC is 10:00 in Portland in winter and 11:00 in summer: the same date either way.
    return dt.datetime.combine(day, dt.time(18, 0), tzinfo=dt.UTC)

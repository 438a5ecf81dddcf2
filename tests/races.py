"""Concurrent attempts at one change, for the race tests: each attempt runs in its own
thread with its own app context and session, loads what it acts on, waits until every
attempt is ready, then acts at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from pharmacy_app.extensions import db
from pharmacy_app.workflow import WorkflowError


def at_once(
    app: Flask,
    attempts: list[tuple[Callable[[], Any], Callable[[Any], object]]],
    timeout: float = 30,
) -> tuple[list[object], list[str]]:
    """Each attempt is (load, act): `load()` runs first in the thread's session, then
    `act(loaded)` runs once every thread has loaded, and is committed. Returns what the
    successful acts returned and the messages of the WorkflowErrors refused; any other
    error fails the test."""
    done: list[object] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    ready = threading.Barrier(len(attempts))

    def attempt(load: Callable[[], Any], act: Callable[[Any], object]) -> None:
        try:
            with app.app_context():
                loaded = load()
                ready.wait()
                try:
                    result = act(loaded)
                    db.session.commit()
                    done.append(result)
                except WorkflowError as exc:
                    db.session.rollback()
                    refused.append(str(exc))
        except BaseException as exc:  # reported below, in the test's thread
            ready.abort()
            errors.append(exc)

    _run([threading.Thread(target=attempt, args=pair) for pair in attempts], errors, timeout)
    return done, refused


def while_one_holds(
    app: Flask,
    first: Callable[[], str],
    second: Callable[[], str],
    hold: float = 0.5,
    timeout: float = 30,
) -> list[str]:
    """`first()` acts in its own transaction and keeps it open (with whatever locks it took)
    for `hold` seconds while `second()` acts in another thread; then `first` commits, and so
    does `second` when it can. Returns their outcomes, first's then second's: what each
    returned, or "refused: <reason>" for a WorkflowError. The pause only gives `second` time
    to arrive while `first` holds its locks: which one wins is decided by the locks. (Not in
    the order the threads finish: a refused `second` may wake and finish before `first`'s
    thread, having committed, records its own outcome.)"""
    first_acted = threading.Event()
    outcomes: list[str] = ["", ""]
    errors: list[BaseException] = []

    def run(
        slot: int, action: Callable[[], str], before: Callable[[], None], after: Callable[[], None]
    ):
        try:
            before()
            with app.app_context():
                try:
                    outcome = action()
                    db.session.flush()
                    after()
                    db.session.commit()
                except WorkflowError as exc:
                    db.session.rollback()
                    outcome = f"refused: {exc}"
                outcomes[slot] = outcome
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            first_acted.set()

    def held() -> None:
        first_acted.set()
        time.sleep(hold)

    threads = [
        threading.Thread(target=run, args=(0, first, lambda: None, held)),
        threading.Thread(
            target=run, args=(1, second, lambda: first_acted.wait(timeout), lambda: None)
        ),
    ]
    _run(threads, errors, timeout)
    return outcomes


def together(*calls: Callable[[], Any], timeout: float = 60) -> list[Any]:
    """Run the calls in threads released together (requests from several tabs or workers at
    the same moment); their results in the calls' order. Any error fails the test."""
    ready = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            ready.wait()
            results[index] = call()
        except BaseException as exc:  # reported below, in the test's thread
            ready.abort()
            errors.append(exc)

    _run([threading.Thread(target=run, args=item) for item in enumerate(calls)], errors, timeout)
    return results


def _run(threads: list[threading.Thread], errors: list[BaseException], timeout: float) -> None:
    """Start the threads, wait for them, and raise the first error any of them met."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]

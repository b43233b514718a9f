"""Guards against faults in the Qt binding itself that would take a station down after hours.

PySide6 6.12.0 released the bool that Signal.emit() returns once too often: after a few
thousand signals the process aborted ("bool_dealloc: deallocating True or False"). A counter
station emits that many in a shift. We pin a release without it; this test fails on one with
it."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    happened = Signal(object)
    two = Signal(object, object)


def test_emitting_signals_does_not_leak_or_overrelease_references(qapp):
    emitter = _Emitter()
    received = []
    emitter.happened.connect(received.append)
    emitter.two.connect(lambda a, b: received.append(b))
    before = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    for i in range(100):  # enough to see a drift; few enough not to abort the process
        emitter.happened.emit(i)
        emitter.two.emit(i, None)
    assert len(received) == 200
    received.clear()  # it held 100 references to None
    after = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    true, false, none = (a - b for a, b in zip(after, before, strict=True))
    assert (true, false) == (0, 0)
    assert abs(none) < 50  # a few incidental references; an over-release would be -100 or -200

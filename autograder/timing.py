"""Where grading's time goes: seconds per named phase, for the reports and ``make bench-grading``.

A ``Phases`` adds up wall-clock seconds per phase name. Phases nest, and time is charged to the
innermost one only (a judge kernel started again while a test runs is "starting a judge kernel again",
not "judge: test cells"), so the phases of one clock never overlap and add up to the time measured.

``grade_submission`` makes one clock per submission the current one (``measuring``), and the code it
calls, down to the judge, charges to it with ``phase(name)``; outside a measurement ``phase`` costs
nothing and records nothing.
"""
import time
from contextlib import contextmanager
from contextvars import ContextVar

# Per thread (a ContextVar): submissions graded in threads of one process each charge their own clock.
_current = ContextVar("grading_phases", default=None)


class Phases:
    def __init__(self):
        self.seconds = {}
        self.stack = []
        self.mark = 0.0

    @contextmanager
    def __call__(self, name):
        now = time.monotonic()
        if self.stack:
            self._charge(now)
        self.stack.append(name)
        self.mark = now
        try:
            yield
        finally:
            self._charge(time.monotonic())
            self.stack.pop()

    def _charge(self, now):
        name = self.stack[-1]
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.mark
        self.mark = now

    def add(self, seconds):
        """Add another clock's {phase: seconds}."""
        for name, value in seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + value

    def rounded(self):
        return {name: round(value, 3) for name, value in self.seconds.items()}


@contextmanager
def measuring(phases):
    """Make ``phases`` the clock that ``phase`` charges to, in this block."""
    token = _current.set(phases)
    try:
        yield phases
    finally:
        _current.reset(token)


@contextmanager
def phase(name):
    """Charge the block's time to ``name`` on the current clock, if one is measuring."""
    phases = _current.get()
    if phases is None:
        yield
    else:
        with phases(name):
            yield

"""A thread pool that runs each distinct fetch once, and a progress bar for terminals.

Checks never call an API themselves: they ask the pool for a fact by key, ``(api, location,
arguments)``, and every check that needs the same fact shares one future. So each (API, region)
is called once however many targets need it, and all facts of all targets and regions are in
flight together. A fact never waits on another fact, so the pool cannot deadlock.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from .results import utcnow


@dataclass(frozen=True)
class Fetched:
    """A fact: the value one fetch returned, the API that gave it, where, when, in how many pages."""

    api: str
    location: str
    value: Any
    at: datetime = field(default_factory=utcnow)
    pages: int = 1


class Progress:
    """``preflight [#####-----] 12/40 API calls`` on one stderr line, only on a terminal."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else enabled
        self.width = width
        self.total = 0
        self.done = 0
        self._lock = threading.Lock()

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.total += n
            self._draw()

    def step(self, _: Any = None) -> None:
        with self._lock:
            self.done += 1
            self._draw()

    def close(self) -> None:
        if self.enabled and self.total:
            self.stream.write("\r" + " " * (self.width + 40) + "\r")
            self.stream.flush()

    def _draw(self) -> None:
        if not self.enabled or not self.total:
            return
        filled = self.width * self.done // self.total
        self.stream.write(f"\rpreflight [{'#' * filled}{'-' * (self.width - filled)}] {self.done}/{self.total} API calls")
        self.stream.flush()


class FactPool:
    """Runs fetches on a thread pool of ``workers`` threads, one per distinct key."""

    def __init__(self, workers: int, progress: Progress | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.progress = progress or Progress(enabled=False)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preflight")
        self._futures: dict[Hashable, Future] = {}
        self._lock = threading.Lock()

    def fact(self, key: Hashable, fetch: Callable[..., Any], *args: Any) -> Future:
        """The future of ``fetch(*args)``, started the first time ``key`` is asked for."""
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                self.progress.add()
                future = self._executor.submit(fetch, *args)
                future.add_done_callback(self.progress.step)
                self._futures[key] = future
        return future

    @property
    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._futures)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.progress.close()

    def __enter__(self) -> FactPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def outcome(future: Future, expected: type[Exception] = Exception, wrap: Callable[[BaseException], Exception] | None = None) -> Any:
    """The fact's value, or the exception it failed with (returned, not raised). An exception
    other than ``expected`` (a fault in preflight itself) is turned into one by ``wrap``, so that
    the checks needing the fact are unknown with the reason instead of crashing the run."""
    exc = future.exception()
    if exc is None:
        return future.result()
    if isinstance(exc, expected) or wrap is None:
        return exc
    return wrap(exc)

"""The stand-in's scripted faults: refusals, 5xx (before or after the message is stored), dropped
connections, held answers and Slack's pace. `SlackStandIn` holds one `Faults` and asks it first."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any


def channel_of(params: Mapping[str, Any]) -> str | None:
    for name in ("channel", "channel_id", "users", "user_id", "user"):
        value = params.get(name)
        if isinstance(value, str) and value:
            return value
    return None


@dataclass
class Rule:
    """A scripted answer: applies to matching calls while `remaining` is None (forever) or > 0.

    `after_store` rules apply to a call Slack accepted: the message is stored (it shows in
    `posted()`) and only then does the answer fail; `status` 0 means the connection is dropped.
    """

    method: str | None
    channel: str | None
    remaining: int | None
    status: int
    payload: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    after_store: bool = False

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.channel is not None and channel_of(params) != self.channel:
            return False
        return self.remaining is None or self.remaining > 0

    def take(self) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self.remaining is not None:
            self.remaining -= 1
        return self.status, dict(self.headers), dict(self.payload)


@dataclass
class Hang:
    """Hold the answer to `times` calls of `method` (None: all) for `seconds`, after `skip` pass."""

    method: str
    skip: int
    times: int | None
    seconds: float

    def delay(self, method: str) -> float | None:
        if method != self.method or self.times == 0:
            return None
        if self.skip > 0:
            self.skip -= 1
            return 0.0
        if self.times is not None:
            self.times -= 1
        return self.seconds


@dataclass
class Pace:
    """A token bucket per key (a channel, or one for all calls): `burst` calls at once, then `per_second`."""

    per_second: float
    burst: int
    per_channel: bool
    buckets: dict[str | None, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, at)

    def wait(self, params: Mapping[str, Any], now: float) -> float:
        """0 when the call may pass (and take a token); else the seconds until one is free."""
        key = channel_of(params) if self.per_channel else None
        tokens, at = self.buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.per_second


DROPPED = 0  # the status of a call whose connection the stand-in closed without an answer


class Faults:
    """Every scripted fault; not thread-safe on its own (the stand-in calls it under its lock)."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.hangs: list[Hang] = []
        self.paces: dict[str, Pace] = {}

    def clear(self) -> None:
        self.rules.clear()
        self.hangs.clear()
        self.paces.clear()

    def rate_limit(self, method: str, times: int, retry_after: int) -> None:
        payload = {"ok": False, "error": "ratelimited"}
        headers = {"Retry-After": str(retry_after)}
        self.rules.append(Rule(method, None, times, HTTPStatus.TOO_MANY_REQUESTS, payload, headers))

    def server_error(self, method: str, times: int | None, status: int, *, after_store: bool) -> None:
        payload = {"ok": False, "error": "internal_error"}
        self.rules.append(Rule(method, None, times, status, payload, after_store=after_store))

    def drop(self, method: str, times: int | None) -> None:
        self.rules.append(Rule(method, None, times, DROPPED, {}, after_store=True))

    def error(self, method: str | None, error: str, times: int | None, channel: str | None) -> None:
        self.rules.append(Rule(method, channel, times, HTTPStatus.OK, {"ok": False, "error": error}))

    def hang(self, method: str, skip: int, times: int | None, seconds: float) -> None:
        self.hangs.append(Hang(method, skip, times, seconds))

    def pace(self, method: str, per_second: float, burst: int, per_channel: bool) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("need per_second > 0 and burst >= 1")
        self.paces[method] = Pace(per_second, burst, per_channel)

    def before(
        self, method: str, params: Mapping[str, Any], now: float
    ) -> tuple[int, dict[str, str], dict[str, Any]] | None:
        """A refusal Slack answers before doing anything: a scripted one first, then its pace."""
        for rule in self.rules:
            if not rule.after_store and rule.matches(method, params):
                return rule.take()
        pace = self.paces.get(method)
        if pace is not None and (wait := pace.wait(params, now)) > 0:
            retry_after = {"Retry-After": str(max(1, math.ceil(wait)))}
            return HTTPStatus.TOO_MANY_REQUESTS, retry_after, {"ok": False, "error": "ratelimited"}
        return None

    def after(
        self, method: str, params: Mapping[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]] | None:
        """A failure answered once the call took effect (a 5xx, or a dropped connection)."""
        for rule in self.rules:
            if rule.after_store and rule.matches(method, params):
                return rule.take()
        return None

    def delay(self, method: str) -> float:
        for hang in self.hangs:
            seconds = hang.delay(method)
            if seconds is not None:
                return seconds
        return 0.0

"""Throttling rules: a sliding window counted in buckets, and client keys.

A window of W seconds is counted in buckets of W/BUCKETS seconds, so every count is an
atomic increment of one small number. The window spans the current bucket and the BUCKETS
before it, so an event leaves it between W and W + W/BUCKETS seconds after it happened:
never sooner (the budget holds for any W seconds), never much later.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass

IPV6_PREFIX = 64
"""An IPv6 subscriber gets a whole /64: its addresses are one client."""
BUCKETS = 15


@dataclass(frozen=True)
class SlidingWindow:
    seconds: int

    @property
    def bucket_seconds(self) -> float:
        return self.seconds / BUCKETS

    def bucket(self, timestamp: float) -> int:
        """The bucket an instant (seconds since the epoch) is counted in."""
        return math.floor(timestamp / self.bucket_seconds)

    def page(self, bucket: int) -> int:
        """Buckets are stored by pages of BUCKETS: the window a bucket belongs to."""
        return bucket // BUCKETS

    def count(self, buckets: Mapping[int, int], timestamp: float) -> int:
        """Events in the window ending at `timestamp`."""
        now = self.bucket(timestamp)
        return sum(n for b, n in buckets.items() if now - BUCKETS <= b <= now and n > 0)

    def seconds_until_room(self, buckets: Mapping[int, int], timestamp: float, limit: int) -> int:
        """Seconds until the window holds fewer than `limit` events (at least 1)."""
        now = self.bucket(timestamp)
        live = sorted((b, n) for b, n in buckets.items() if now - BUCKETS <= b <= now and n > 0)
        total, wait = sum(n for _, n in live), 0.0
        for b, n in live:  # the oldest bucket leaves first
            if total < limit:
                break
            total -= n
            wait = (b + BUCKETS + 1) * self.bucket_seconds - timestamp
        return max(1, math.ceil(wait))


def client_key(address: str) -> str:
    """The throttling identity of a client address as a front end reports it: an IPv4
    address without its port; an IPv6 address without brackets, port or zone, widened to
    its /64; anything unparsable, as given (lowercased)."""
    text = address.strip().lower()
    host = text
    if text.startswith("["):  # [2001:db8::1]:443
        host = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:  # 203.0.113.9:51234
        host = text.split(":")[0]
    host = host.split("%")[0]
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return text
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)

"""What a bench reads from a gateway's `/metrics`: its CPU seconds so far and the org lock's hold
time histogram, merged over processes, and a quantile of it as Prometheus' `histogram_quantile`
computes one (linear within the bucket that holds it)."""

import math
from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

LOCK_HELD = "seatgate_org_lock_held_seconds"


@dataclass(frozen=True)
class Snapshot:
    """One scrape: the process's CPU seconds and the lock-hold histogram (cumulative counts by
    upper bound, all engines together), its sum and count."""

    cpu_seconds: float
    held_buckets: dict[float, float]
    held_sum: float
    held_count: float

    def __add__(self, other: "Snapshot") -> "Snapshot":
        bounds = self.held_buckets.keys() | other.held_buckets.keys()
        return Snapshot(
            self.cpu_seconds + other.cpu_seconds,
            {b: self.held_buckets.get(b, 0) + other.held_buckets.get(b, 0) for b in bounds},
            self.held_sum + other.held_sum,
            self.held_count + other.held_count,
        )

    def __sub__(self, earlier: "Snapshot") -> "Snapshot":
        return Snapshot(
            self.cpu_seconds - earlier.cpu_seconds,
            {b: n - earlier.held_buckets.get(b, 0) for b, n in self.held_buckets.items()},
            self.held_sum - earlier.held_sum,
            self.held_count - earlier.held_count,
        )

    def held_quantile(self, q: float) -> float:
        """The `q` quantile of the hold time in seconds (NaN with no observation)."""
        if self.held_count <= 0:
            return math.nan
        rank = q * self.held_count
        lower, below = 0.0, 0.0
        for bound in sorted(self.held_buckets):
            cumulative = self.held_buckets[bound]
            if cumulative >= rank:
                if math.isinf(bound):
                    return lower
                share = (rank - below) / (cumulative - below) if cumulative > below else 0.0
                return lower + (bound - lower) * share
            lower, below = bound, cumulative
        return lower


async def scrape(http: aiohttp.ClientSession, base_url: str) -> Snapshot:
    async with http.get(f"{base_url}/metrics") as response:
        response.raise_for_status()
        text = await response.text()
    cpu, buckets, total, count = 0.0, dict[float, float](), 0.0, 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "process_cpu_seconds_total":
                cpu = sample.value
            elif sample.name == f"{LOCK_HELD}_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
            elif sample.name == f"{LOCK_HELD}_sum":
                total += sample.value
            elif sample.name == f"{LOCK_HELD}_count":
                count += sample.value
    return Snapshot(cpu, buckets, total, count)

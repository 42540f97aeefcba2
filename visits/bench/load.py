"""Drive one URL with an HTTP load generator: wrk when it is installed, else a Python one."""

import http.client
import math
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Load:
    """What a run of requests to one URL measured."""

    requests: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    tool: str = "python"

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if share == 0.5 and self.p50_ms is not None:
            return self.p50_ms
        if share == 0.99 and self.p99_ms is not None:
            return self.p99_ms
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def drive(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> Load:
    """Load `url` for `seconds` over `connections` kept-alive connections."""
    if shutil.which("wrk"):
        return _wrk(url, headers, seconds=seconds, connections=connections)
    return python_load(url, headers, seconds=seconds, connections=connections)


def python_load(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> Load:
    """A closed-loop generator: each thread sends its next request when the last one answered."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=30
        )
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = http.client.HTTPConnection(
                    parts.hostname or "127.0.0.1", parts.port, timeout=30
                )
                continue
            if response.status >= 400:
                errors[index] += 1
            latencies[index].append((time.perf_counter() - began) * 1000)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    samples = [each for per_thread in latencies for each in per_thread]
    return Load(len(samples), elapsed, samples, errors=sum(errors))


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> Load:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["--latency", url]
    output = subprocess.run(  # noqa: S603 - wrk with our own arguments
        command, capture_output=True, text=True, check=True
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Load:
    """Requests, duration, errors and the 50th and 99th percentiles from wrk's --latency output."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if done is None:
        raise ValueError("wrk printed no request count")
    requests = int(done.group(1))
    amount, unit = float(done.group(2)), done.group(3)
    elapsed = amount * 60 if unit == "m" else amount * _UNITS[unit] / 1000
    percentiles = {
        share: float(value) * _UNITS[unit]
        for share, value, unit in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", output)
    }
    errors = sum(int(each) for each in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(each) for each in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return Load(
        requests,
        elapsed,
        p50_ms=percentiles.get("50"),
        p99_ms=percentiles.get("99"),
        errors=errors,
        tool="wrk",
    )

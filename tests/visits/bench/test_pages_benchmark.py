"""The page benchmark: its load generators, its CPU reading, its pages and its large clinic."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import ProviderProfile, User
from visits.bench import load, pages
from visits.bench.clinic import grow
from visits.management.commands.bench_pages import Command, _cpu_seconds
from visits.questionnaires.models import QuestionnaireResponse
from visits.results.models import Observation
from visits.scheduling.models import Visit

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8731/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.61ms  815.71us  12.43ms   80.36%
  Latency Distribution
     50%    2.48ms
     75%    2.91ms
     90%    3.46ms
     99%    5.91ms
  7682 requests in 5.01s, 43.25MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   1533.36
"""


class TestLoad:
    def test_reads_wrk_output(self):
        run = load.parse_wrk(WRK_OUTPUT)
        assert (run.requests, run.seconds, run.errors) == (7682, 5.01, 3)
        assert run.percentile(0.5) == pytest.approx(2.48)
        assert run.percentile(0.99) == pytest.approx(5.91)
        assert run.per_second == pytest.approx(1533.3, abs=0.1)

    def test_wrk_output_without_a_count_is_refused(self):
        with pytest.raises(ValueError, match="no request count"):
            load.parse_wrk("unable to connect to 127.0.0.1:8731 Connection refused")

    def test_python_generator_counts_answers_and_failures(self, live_server):
        ok = load.python_load(f"{live_server.url}/healthz", {}, seconds=0.3, connections=2)
        assert ok.requests > 0
        assert ok.errors == 0
        assert 0 < ok.percentile(0.5) <= ok.percentile(0.99)
        missing = load.python_load(f"{live_server.url}/nowhere/", {}, seconds=0.2, connections=1)
        assert missing.errors == missing.requests > 0


def test_cpu_of_this_process_is_read_from_proc():
    before = _cpu_seconds(os.getpid())
    sum(n * n for n in range(300_000))
    assert _cpu_seconds(os.getpid()) > before


@pytest.mark.django_db
class TestPages:
    @pytest.fixture
    def clinic(self, settings):
        settings.DEBUG = True
        call_command("seed_demo", stdout=io.StringIO())
        settings.DEBUG = False
        settings.ALLOWED_HOSTS = ["testserver"]

    def test_every_page_is_signed_in_and_counted(self, clinic):
        found = {page["name"]: page for page in pages.prepare(renders=2)}
        dashboard = found["patient dashboard"]
        assert dashboard["status"] == 200
        assert dashboard["queries"] > 0
        assert dashboard["cookie"].startswith("sessionid=")
        assert 0 < dashboard["render_p50_ms"] <= dashboard["render_p95_ms"]
        assert found["staff week calendar"]["status"] == 200
        assert found["clinician dashboard"]["status"] == 200
        # The session cookie opens the page as its person, without MFA in the way.
        client = Client()
        name, value = found["clinician dashboard"]["cookie"].split("=", 1)
        client.cookies[name] = value
        assert client.get(found["clinician dashboard"]["path"]).status_code == 200

    def test_the_large_clinic(self, clinic):
        patient = User.objects.get(email=pages.PATIENT)
        visits, responses = patient.visits.count(), QuestionnaireResponse.objects.count()
        providers = ProviderProfile.objects.count()
        grown = grow(providers=3, visits=4, observations=20, responses=2, accesses=5)
        assert grown == {
            "providers": 3,
            "visits": 4,
            "observations": 20,
            "responses": 2,
            "accesses": 5,
        }
        assert patient.visits.count() == visits + 4
        assert ProviderProfile.objects.count() == providers + 3
        assert QuestionnaireResponse.objects.count() == responses + 2
        # Flags are computed as save() would compute them.
        high = Observation.objects.filter(value__gt=models_high()).first()
        assert high is None or high.flag == "high"
        assert Visit.objects.filter(patient=patient, status="completed").count() >= 4

    def test_profiles_are_written(self, clinic, tmp_path):
        page = next(p for p in pages.prepare(renders=2) if p["name"] == "access log")
        pages.profile([page], tmp_path)
        assert (
            "pyinstrument" in (tmp_path / "access-log.txt").read_text().lower()
            or (tmp_path / "access-log.txt").stat().st_size > 0
        )


def printed_row(out: str, name: str, size: str) -> str:
    """The report's line for this page at this size."""
    return next(line for line in out.splitlines() if line.startswith(name) and f" {size} " in line)


def models_high():
    from decimal import Decimal

    return Decimal("1000")


class TestReport:
    def test_ratios_targets_and_growth(self, capsys):
        base = {"note": "", "bytes": 4096, "gzip_bytes": 1024, "queries": 3, "errors": 0}
        figures = {
            "demo": [
                {
                    **base,
                    "name": "bare Django page",
                    "group": "bare",
                    "per_second": 1000.0,
                    "p50_ms": 2.0,
                    "p99_ms": 5.0,
                    "cpu_ms": 1.0,
                },
                {
                    **base,
                    "name": "patient dashboard",
                    "group": "patient",
                    "per_second": 300.0,
                    "p50_ms": 9.0,
                    "p99_ms": 20.0,
                    "cpu_ms": 3.0,
                },
                {
                    **base,
                    "name": "visit note",
                    "group": "clinician",
                    "per_second": None,
                    "note": "answers 404",
                },
            ],
            "large": [
                {
                    **base,
                    "name": "bare Django page",
                    "group": "bare",
                    "per_second": 1000.0,
                    "p50_ms": 2.0,
                    "p99_ms": 5.0,
                    "cpu_ms": 1.0,
                },
                {
                    **base,
                    "name": "patient dashboard",
                    "group": "patient",
                    "per_second": 100.0,
                    "p50_ms": 30.0,
                    "p99_ms": 60.0,
                    "cpu_ms": 9.0,
                },
            ],
        }
        Command().report(figures)
        out = capsys.readouterr().out
        demo_row = printed_row(out, "patient dashboard", "demo")
        large_row = printed_row(out, "patient dashboard", "large")
        assert "0.300" in demo_row
        assert demo_row.rstrip().endswith("ok")
        assert "SLOW" in large_row
        assert "GROWS" in large_row
        assert "skipped: answers 404" in out

    def test_each_page_is_compared_with_the_bare_page_beside_it(self, capsys):
        """A page measured while the machine ran at half speed is compared with the bare page
        as it ran then, and its growth is its own, not the machine's."""
        row = {"note": "", "bytes": 4096, "gzip_bytes": 1024, "queries": 3, "errors": 0}
        row |= {"p50_ms": 9.0, "p99_ms": 20.0}
        bare = {**row, "name": "bare Django page", "group": "bare", "cpu_ms": 1.0}
        figures = {
            "demo": [
                {**bare, "per_second": 1000.0, "near_bare_per_second": 1000.0},
                {
                    **row,
                    "name": "results",
                    "group": "patient",
                    "per_second": 300.0,
                    "cpu_ms": 3.0,
                    "near_bare_per_second": 1000.0,
                    "near_bare_cpu_ms": 1.0,
                },
            ],
            "large": [
                {**bare, "per_second": 1000.0, "near_bare_per_second": 1000.0},
                {
                    **row,
                    "name": "results",
                    "group": "patient",
                    "per_second": 150.0,
                    "cpu_ms": 6.0,
                    "near_bare_per_second": 500.0,
                    "near_bare_cpu_ms": 2.0,
                },
            ],
        }
        Command().report(figures)
        large_row = printed_row(capsys.readouterr().out, "results", "large")
        assert figures["large"][1]["ratio"] == 0.3
        assert large_row.rstrip().endswith("ok, x1.00 of demo")

    def test_sizes_are_checked(self):
        with pytest.raises(CommandError, match="--sizes"):
            call_command("bench_pages", sizes="huge")


def test_a_sync_worker_with_threads_is_refused():
    """GUNICORN_WORKER_CLASS=sync means one request at a time; threads would silently undo it."""
    env = {**os.environ, "GUNICORN_WORKER_CLASS": "sync", "GUNICORN_THREADS": "4"}
    read = [
        sys.executable,
        "-c",
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['threads'])",
    ]
    refused = subprocess.run(read, env=env, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "GUNICORN_THREADS" in refused.stderr
    env.pop("GUNICORN_THREADS")
    assert subprocess.run(read, env=env, capture_output=True, text=True).stdout.strip() == "1"
    env["GUNICORN_WORKER_CLASS"] = "gthread"
    assert subprocess.run(read, env=env, capture_output=True, text=True).stdout.strip() == "2"
    env["GUNICORN_THREADS"] = "4"
    assert subprocess.run(read, env=env, capture_output=True, text=True).stdout.strip() == "4"


@pytest.mark.django_db(transaction=True)
def test_end_to_end_on_a_fresh_clinic(tmp_path, capsys):
    """Seeds, serves under gunicorn, drives the bare page and the login, and prints the table."""
    out = tmp_path / "figures.json"
    call_command("bench_pages", sizes="demo", seconds=0.3, only="login", json=str(out), renders=2)
    printed = capsys.readouterr().out
    assert "bare Django page" in printed
    assert "login" in printed
    figures = json.loads(out.read_text())["demo"]
    login = next(page for page in figures if page["name"] == "login")
    assert login["requests"] > 0
    assert login["errors"] == 0
    assert login["served_gzip"]
    assert login["gzip_bytes"] < login["bytes"]


@pytest.mark.django_db
def test_the_bare_page_is_mounted_only_by_the_benchmark_urls(client, settings):
    """config.bench_urls adds the bare page to the site's URLs; the site alone has none."""
    assert client.get("/bench/bare/").status_code == 404
    settings.ROOT_URLCONF = "config.bench_urls"
    response = client.get("/bench/bare/")
    assert response.status_code == 200
    assert len(response.content) > 4500
    assert client.get("/healthz").status_code == 200

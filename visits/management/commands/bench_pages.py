"""Every page under gunicorn with production settings, beside a bare Django page: `make bench-pages`.

For each size (the demo clinic, and a large one: 200 more providers, a patient with 500 visits,
5,000 results and 50 questionnaire responses) it builds a throwaway database, serves it with
gunicorn (gunicorn.conf.py, DEBUG off, the bare page mounted by config.bench_urls), drives each
page with wrk (or the Python generator when wrk is not installed) and prints per page:
requests/s, p50 and p99, the server's CPU ms per request (read from /proc for the gunicorn
processes), the throughput as a share of the bare page's, HTML bytes gzipped and not, and the
queries of one request. Ratios are the figures that count on a shared machine. `--profile`
writes a pyinstrument profile of every page to bench-profiles/.
"""

import gzip
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from visits.bench import load

TARGETS = {
    "patient": 0.25,
    "urgent": 0.25,
    "clinician": 0.15,
    "physician": 0.15,
    "staff": 0.15,
    "login": 0.2,
    "public": 0.2,
}
LARGE_GROWTH_ALLOWED = 1.5


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of the gunicorn master, its live workers and the workers it has
    reaped (a worker that restarted counts in the master's children's time), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")

    def fields(each: int) -> list[str]:
        try:
            return Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return []

    total = 0.0
    master = fields(pid)
    if master:
        # utime, stime, and cutime, cstime: the children it has waited for.
        total += sum(int(value) for value in master[11:15]) / ticks
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for each in children.read_text().split():
            worker = fields(int(each))
            if worker:
                total += (int(worker[11]) + int(worker[12])) / ticks
    return total


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Command(BaseCommand):
    help = "Benchmark every page under gunicorn beside a bare Django page, at two clinic sizes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sizes", default="demo,large", help="demo, large or both.")
        parser.add_argument("--seconds", type=float, default=5.0, help="Load per page.")
        parser.add_argument("--connections", type=int, default=4)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--worker-class",
            default="",
            help="gunicorn's worker class (gunicorn.conf.py's if unset).",
        )
        parser.add_argument("--port", type=int, default=0, help="0: any free port.")
        parser.add_argument("--only", default="", help="Drive only pages whose name has this.")
        parser.add_argument("--profile", action="store_true", help="Write pyinstrument profiles.")
        parser.add_argument("--json", default="", help="Also write the figures to this file.")
        parser.add_argument(
            "--renders", type=int, default=20, help="In-process renders per page for p50/p95."
        )
        # The steps run inside the benchmark's own database, by the command itself.
        parser.add_argument("--prepare", action="store_true", help=argparse_hidden())
        parser.add_argument("--grow", action="store_true", help=argparse_hidden())

    def handle(self, *args, **options) -> None:
        if options["grow"]:
            from visits.bench.clinic import grow

            self.stdout.write(json.dumps(grow()))
            return
        if options["prepare"]:
            from visits.bench.pages import prepare, profile

            pages = prepare(renders=options["renders"])
            if options["profile"]:
                profile(pages, Path(os.environ["BENCH_PROFILE_DIR"]))
            self.stdout.write(json.dumps(pages))
            return
        if not options["port"]:
            options["port"] = _free_port()
        sizes = [size.strip() for size in options["sizes"].split(",") if size.strip()]
        if not sizes or set(sizes) - {"demo", "large"}:
            raise CommandError("--sizes takes demo, large or demo,large.")
        figures = {size: self.run_size(size, options) for size in sizes}
        self.report(figures)
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(figures, indent=2))

    # One size: its database, its server, its pages.

    def run_size(self, size: str, options: dict) -> list[dict]:
        database = self.fresh_database(size)
        dev = self.environment(database, debug=True)
        self.manage(["migrate", "--noinput", "--verbosity", "0"], dev)
        self.manage(["seed_demo"], dev)
        if size == "large":
            self.manage(["bench_pages", "--grow"], dev)
        production = self.environment(database, debug=False, port=options["port"])
        # Its own static folder, so two runs side by side never write the same files.
        production["STATIC_ROOT"] = tempfile.mkdtemp(prefix=f"bench-pages-{size}-static-")
        # Production serves hashed, compressed static files from the manifest (whitenoise).
        self.manage(["collectstatic", "--noinput", "--verbosity", "0"], production)
        step = ["bench_pages", "--prepare", "--renders", str(options["renders"])]
        if options["profile"]:
            step.append("--profile")
            production["BENCH_PROFILE_DIR"] = str(Path("bench-profiles") / size)
        pages = json.loads(self.manage(step, production))
        if options["only"]:
            pages = [
                p for p in pages if p["group"] in ("bare", "floor") or options["only"] in p["name"]
            ]
        server = self.serve(production, options)
        try:
            bare = next((page for page in pages if page["group"] == "bare"), None)
            if bare is None or bare["status"] != 200:
                raise CommandError("The bare page did not answer 200.")
            again = {**bare, "name": "bare Django page, again"}
            measured = [page for page in pages if page["path"] and page["status"] == 200]
            # The bare page is measured again, briefly, between every two pages: each page is
            # then compared with the bare page as the machine ran just before and just after
            # it, so a shared machine that slows down or speeds up during the run moves the
            # ratios of the pages measured then no more than the others.
            reference = self.reference(bare, options, server.pid)
            for page in measured:
                self.measure(page, options, server.pid)
                after = self.reference(bare, options, server.pid)
                page["near_bare_per_second"] = round((reference[0] + after[0]) / 2, 1)
                page["near_bare_cpu_ms"] = round((reference[1] + after[1]) / 2, 3)
                reference = after
            # The bare page once more at the end: the ratios use both runs, so a machine
            # that slowed down or sped up during the run shifts every ratio less.
            self.measure(again, options, server.pid)
            pages.append(again)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            shutil.rmtree(production["STATIC_ROOT"], ignore_errors=True)
        return pages

    def fresh_database(self, size: str) -> str:
        configured = os.environ.get("DATABASE_URL", "")
        name = f"bench_pages_{size}"
        if configured.startswith("postgres"):
            parts = urllib.parse.urlsplit(configured)
            import psycopg

            admin = parts._replace(path="/postgres").geturl()
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{name}"')
            return parts._replace(path=f"/{name}").geturl()
        path = Path(settings.BASE_DIR) / f"{name}.sqlite3"
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        return f"sqlite:///{path}"

    def environment(self, database: str, *, debug: bool, port: int = 0) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "EMAIL_URL": "memorymail://",
            "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "PYTHONHASHSEED": "0",
        }
        if debug:
            env.update(DEBUG="True", MFA_DEMO_BYPASS_CODE="000000")
            return env
        env.update(
            DEBUG="False",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,testserver",
            SITE_URL=f"http://127.0.0.1:{port}",
            SECURE_SSL_REDIRECT="False",
            ROOT_URLCONF="config.bench_urls",
        )
        return env

    def manage(self, arguments: list[str], env: dict[str, str]) -> str:
        done = subprocess.run(  # noqa: S603 - manage.py with our own arguments
            [sys.executable, "manage.py", *arguments],
            env=env,
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
        )
        if done.returncode != 0:
            raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def serve(self, env: dict[str, str], options: dict) -> subprocess.Popen:
        env = {
            **env,
            "PORT": str(options["port"]),
            "WEB_CONCURRENCY": str(options["workers"]),
            **(
                {"GUNICORN_WORKER_CLASS": options["worker_class"]}
                if options["worker_class"]
                else {}
            ),
            "GUNICORN_ACCESS_LOG": "",
        }
        server = subprocess.Popen(  # noqa: S603 - gunicorn with our own arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{options['port']}",
                "--access-logfile",
                "/dev/null",
                # Workers never restart mid-run (gunicorn.conf.py recycles them in production).
                "--max-requests",
                "0",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", options["port"], timeout=2)
            try:
                connection.request("GET", "/healthz")
                answer = connection.getresponse()
                answer.read()
                if answer.status == 200:
                    return server
            except OSError:
                time.sleep(0.2)
            finally:
                connection.close()
        server.kill()
        raise CommandError("gunicorn did not start within 30 s.")

    def measure(self, page: dict, options: dict, server_pid: int) -> None:
        url = f"http://127.0.0.1:{options['port']}{page['path']}"
        headers = {"Cookie": page["cookie"]} if page["cookie"] else {}
        plain, zipped = (
            self.fetch(url, headers),
            self.fetch(url, {**headers, "Accept-Encoding": "gzip"}),
        )
        page["bytes"] = len(plain)
        page["gzip_bytes"] = len(zipped) if zipped != plain else len(gzip.compress(plain))
        page["served_gzip"] = zipped != plain
        # A connection a request, as many clients through a router make: with keep-alive, one
        # gthread worker can take every connection while the other idles, and a page's figures
        # then say which worker won the race rather than what the page costs.
        closing = {**headers, "Connection": "close"}
        load.drive(
            url, closing, seconds=min(1.0, options["seconds"]), connections=options["connections"]
        )
        before = _cpu_seconds(server_pid)
        run = load.drive(
            url, closing, seconds=options["seconds"], connections=options["connections"]
        )
        used = _cpu_seconds(server_pid) - before
        page.update(
            requests=run.requests,
            per_second=round(run.per_second, 1),
            p50_ms=round(run.percentile(0.5), 1),
            p99_ms=round(run.percentile(0.99), 1),
            cpu_ms=round(1000 * used / run.requests, 2) if run.requests else None,
            errors=run.errors,
            tool=run.tool,
        )

    def reference(self, bare: dict, options: dict, server_pid: int) -> tuple[float, float]:
        """The bare page's requests a second and CPU ms a request, now: a third of a page's
        run, the page already warm."""
        url = f"http://127.0.0.1:{options['port']}{bare['path']}"
        before = _cpu_seconds(server_pid)
        run = load.drive(
            url,
            {"Connection": "close"},
            seconds=options["seconds"] / 3,
            connections=options["connections"],
        )
        used = _cpu_seconds(server_pid) - before
        return run.per_second, (1000 * used / run.requests if run.requests else 0.0)

    def fetch(self, url: str, headers: dict[str, str]) -> bytes:
        parts = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=30
        )
        try:
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("GET", target, headers=headers)
            return connection.getresponse().read()
        finally:
            connection.close()

    # The table.

    def report(self, figures: dict[str, list[dict]]) -> None:
        demo_cost = {
            page["name"]: _relative_cost(page)
            for page in figures.get("demo", [])
            if page.get("cpu_ms")
        }
        header = (
            f"{'page':<30} {'size':<5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>7} "
            f"{'x bare':>7} {'target':>7} {'KB':>6} {'KB gz':>6} {'queries':>7} "
            f"{'render p50/p95':>15}  check"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for size, pages in figures.items():
            bare_runs = [
                p["per_second"] for p in pages if p["group"] == "bare" and p.get("per_second")
            ]
            bare_per_second = statistics.mean(bare_runs) if bare_runs else 0.0
            for page in pages:
                if not page.get("per_second"):
                    self.stdout.write(
                        f"{page['name']:<30} {size:<5} skipped: {page['note'] or 'no load'}"
                    )
                    continue
                near = page.get("near_bare_per_second") or bare_per_second
                ratio = page["per_second"] / near if near else 0.0
                page["ratio"] = round(ratio, 3)
                target = TARGETS.get(page["group"])
                checks = []
                if target is not None:
                    checks.append("ok" if ratio >= target else "SLOW")
                if size == "large" and page["name"] in demo_cost and page.get("cpu_ms"):
                    grew = _relative_cost(page) / demo_cost[page["name"]]
                    page["growth"] = round(grew, 2)
                    checks.append(
                        f"x{grew:.2f} of demo" + ("" if grew <= LARGE_GROWTH_ALLOWED else " GROWS")
                    )
                if page.get("errors"):
                    checks.append(f"{page['errors']} errors")
                render = f"{page.get('render_p50_ms', 0):.1f}/{page.get('render_p95_ms', 0):.1f}"
                self.stdout.write(
                    f"{page['name']:<30} {size:<5} {page['per_second']:>7.0f} {page['p50_ms']:>7.1f} "
                    f"{page['p99_ms']:>7.1f} {page['cpu_ms'] or 0:>7.2f} {ratio:>7.3f} "
                    f"{target if target is not None else '':>7} {page['bytes'] / 1024:>6.1f} "
                    f"{page['gzip_bytes'] / 1024:>6.1f} {page['queries']:>7} "
                    f"{render:>15}  {', '.join(checks)}"
                )


def _relative_cost(page: dict) -> float:
    """A page's CPU a request, as a multiple of the bare page's measured beside it (or as it
    is, when there is no such measure): the large size's cost over the demo's is then the
    page's growth, not the machine's change of speed between the two."""
    near = page.get("near_bare_cpu_ms")
    return page["cpu_ms"] / near if near else page["cpu_ms"]


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS

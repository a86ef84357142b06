"""A private Redis broker, a real Celery worker process and the e-mails it writes, for tests.

Each piece is a plain object a fixture starts and stops (see conftest.py):

- `RedisServer`: a `redis-server` of our own on a free loopback port, without persistence, that a
  test may stop and start again on the same port (a broker outage) or freeze (a broker that
  accepts connections and never answers).
- `CeleryWorker`: `celery -A tapif worker --pool=solo` as a subprocess, pointed by its
  environment at the test database, the private broker and a folder for e-mail files; it can be
  stopped, killed (SIGKILL, a crash) and started again. Its output goes to one log file, shown
  when a test fails.
- `MailDrop`: reads the files Django's file-based e-mail backend writes (one file per
  connection, messages separated by a line of 79 dashes) and counts messages by recipient and
  subject.
- `wait_until`: poll a condition (a database query, the mail folder) until it holds.
- `publishing_to`: make this test process publish tasks to a broker instead of running them
  eagerly, and put things back afterwards.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import redis
from celery import Celery

REPO = Path(__file__).resolve().parents[2]
# The separator Django's file (and console) backend writes after each message.
MESSAGE_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def wait_until(
    predicate: Callable[[], Any],
    *,
    timeout: float = 15,
    interval: float = 0.1,
    message: str | Callable[[], str] = "condition",
) -> Any:
    """Call `predicate` until it returns something true and return that; fail after `timeout`
    seconds, saying what was awaited (`message` may be a callable, for the state at the end)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"Still waiting after {timeout:g} s for: {text}")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_skip_reason(vendor: str) -> str | None:
    """Why the worker tests cannot run here, or None if they can."""
    if vendor != "postgresql":
        return (
            "worker tests need PostgreSQL (DATABASE_URL=postgres://...): a worker process cannot "
            f"see pytest's test database on {vendor}"
        )
    if shutil.which("redis-server") is None:
        return "worker tests need redis-server on PATH (apt-get install redis-server)"
    return None


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A DATABASE_URL (as tapif.env.database_config reads it) naming the database that
    `settings_dict` describes: during a test, pytest-django's test database."""
    if "postgresql" not in settings_dict["ENGINE"]:
        raise ValueError(f"Only PostgreSQL is shared with a worker; got {settings_dict['ENGINE']}")
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}@" if password else f"{user}@" if user else ""
    host = quote(settings_dict.get("HOST") or "", safe="")  # a socket folder is %2F-encoded
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    name = quote(settings_dict["NAME"], safe="")
    options = {
        key: value
        for key, value in (settings_dict.get("OPTIONS") or {}).items()
        if isinstance(value, str | int)
    }
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{credentials}{host}{port}/{name}{query}"


# --- Redis -------------------------------------------------------------------------------------


class RedisServer:
    """A `redis-server` of our own: no persistence, its files in `folder`, one fixed port."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.log_path = folder / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.frozen = False
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def start(self, timeout: float = 10) -> None:
        """Start it (again, on the same port) and wait until it answers PING."""
        assert not self.running, "redis-server is running already"
        options = {
            "bind": "127.0.0.1",
            "port": str(self.port),
            "save": "",  # no snapshot, no append-only file: a restart starts empty
            "appendonly": "no",
            "dir": str(self.folder),
            "logfile": str(self.log_path),
        }
        arguments = [item for name, value in options.items() for item in (f"--{name}", value)]
        self.process = subprocess.Popen(  # noqa: S603 (our own fixed command line)
            [shutil.which("redis-server") or "redis-server", *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )

        def answers() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise AssertionError(f"redis-server exited at start:\n{self.log()}")
            with suppress(redis.RedisError), self.client() as client:
                return bool(client.ping())
            return False

        wait_until(answers, timeout=timeout, interval=0.05, message=f"redis on {self.port}")

    def stop(self, timeout: float = 10) -> None:
        """Stop it (a broker outage); what it held is lost, as with a broker without disk."""
        if self.process is None:
            return
        if self.process.poll() is None:
            if self.frozen:
                self.thaw()
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing answers (a hung broker)."""
        assert self.process is not None
        assert self.running
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        assert self.process is not None
        assert self.running
        self.process.send_signal(signal.SIGCONT)
        self.frozen = False

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no redis log)"


# --- Celery worker -----------------------------------------------------------------------------


class CeleryWorker:
    """`celery -A tapif worker --pool=solo` in a subprocess, with its own environment."""

    def __init__(self, *, env: Mapping[str, str], log_path: Path, name: str) -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "celery", "-A", "tapif", "worker",
            "--pool=solo", "--without-heartbeat", "--without-mingle", "--without-gossip",
            "-l", "INFO", "-n", f"{self.name}@%h",
        ]  # fmt: skip

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 60) -> None:
        """Start it and wait until it says it is ready to take tasks."""
        assert not self.running, "the worker is running already"
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start {self.starts}: {' '.join(self.command)}\n".encode())
            offset = log.tell()
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                self.command,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def ready() -> bool:
            if not self.running:
                raise AssertionError(f"The worker exited at start:\n{self.log()}")
            with self.log_path.open("rb") as log:
                log.seek(offset)
                return b" ready." in log.read()

        wait_until(ready, timeout=timeout, interval=0.1, message="the worker to be ready")

    def stop(self, timeout: float = 15) -> int | None:
        """A warm shutdown (SIGTERM: it finishes the task at hand); SIGKILL if it lingers.
        Returns its exit code."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        return process.returncode

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 10) -> int | None:
        """Send `sig` (a crash, by default) and wait for the process to end."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(sig)
            process.wait(timeout)
        return process.returncode

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no worker log)"

    def drain(self, *, timeout: float = 15) -> None:
        """Wait until the worker has done every task published so far: it takes them one at a
        time, in order, from one queue, so once a task published now has run, all earlier ones
        have (tasks retried with a countdown excepted). Only with a single worker running."""
        from tapif.core.tasks import clear_expired_sessions

        marker = clear_expired_sessions.delay()
        self.wait_for_log(f"[{marker.id}] succeeded", timeout=timeout)

    def wait_for_log(self, text: str, *, timeout: float = 15) -> None:
        """Wait until the worker's output contains `text` (e.g. a task's 'succeeded' line)."""
        wait_until(lambda: text in self.log(), timeout=timeout, message=f"{text!r} in the log")


def worker_environment(
    base: Mapping[str, str],
    *,
    database: Mapping[str, Any],
    broker_url: str,
    mail_folder: Path,
    cache_location: str | None,
) -> dict[str, str]:
    """The environment a worker needs to share the test's database and broker: the test
    process's own (DJANGO_DEBUG, storage, SITE_URL...), with these pointed at the test's."""
    env = {key: value for key, value in base.items() if not key.startswith("PYTEST_")}
    # Compiled once, a worker starts in 1 s instead of 4 (this session may forbid .pyc files).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env |= {
        "DJANGO_SETTINGS_MODULE": "tapif.settings",
        # Release batches 1 s apart instead of 10: a release of a few batches runs in seconds.
        "RESULTS_RELEASE_BATCH_SECONDS": "1",
        "DATABASE_URL": database_url(database),
        # Closed after each task: nothing left open on the test database when it is flushed.
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_folder),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), base.get("PYTHONPATH")])),
    }
    if cache_location and cache_location.startswith(("redis://", "rediss://")):
        env["CACHE_URL"] = cache_location
    else:
        env.pop("CACHE_URL", None)
    return env


# --- This process's Celery app -----------------------------------------------------------------

_PUBLISHING_KEYS = ("broker_url", "task_always_eager", "task_eager_propagates")
_BROKER_VARIABLES = ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")


def _reset_connections(app: Celery) -> None:
    """Drop the broker connections and producers the app keeps, so the next publish connects to
    whatever `broker_url` says then."""
    if app._pool is not None:
        with suppress(Exception):
            app._pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None and amqp._producer_pool is not None:
        with suppress(Exception):
            amqp._producer_pool.force_close_all()
        amqp._producer_pool = None


@contextmanager
def publishing_to(app: Celery, broker_url: str) -> Iterator[Celery]:
    """Inside: `.delay()` in this process sends tasks to `broker_url` (not eager any more)."""
    saved = {key: app.conf[key] for key in _PUBLISHING_KEYS}
    # Celery reads these variables before its configuration (CI's second stage sets the first).
    saved_environ = {name: os.environ.pop(name, None) for name in _BROKER_VARIABLES}
    _reset_connections(app)
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    try:
        yield app
    finally:
        _reset_connections(app)
        app.conf.update(saved)
        os.environ.update({name: value for name, value in saved_environ.items() if value})


# --- E-mail files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    message: EmailMessage

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class MailDrop:
    """The folder the worker's file-based e-mail backend writes to."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def messages(self) -> list[Mail]:
        """Every message written completely so far (a message is complete once its separator
        line is written; the backend flushes after each one)."""
        found = []
        for path in sorted(self.folder.glob("*.log")):
            *complete, _rest = path.read_bytes().split(MESSAGE_SEPARATOR)
            for raw in complete:
                message = email.message_from_bytes(raw, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                to = tuple(address for _name, address in getaddresses(message.get_all("To", [])))
                found.append(Mail(to=to, subject=str(message["Subject"]), message=message))
        return found

    def count(self) -> Counter[tuple[str, str]]:
        """How many messages went to each (recipient, subject)."""
        return Counter((to, mail.subject) for mail in self.messages() for to in mail.to)

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.messages() if address in mail.to]

    def wait_for(self, number: int, *, timeout: float = 15) -> list[Mail]:
        """Wait until at least `number` messages are written; return them all."""
        wait_until(
            lambda: len(self.messages()) >= number,
            timeout=timeout,
            message=lambda: f"{number} e-mails (have {len(self.messages())})",
        )
        return self.messages()

    def describe(self) -> str:
        return "\n".join(f"{mail.to} {mail.subject}" for mail in self.messages()) or "(none)"

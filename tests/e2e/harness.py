"""The pieces the end-to-end fixtures are made of: screens, browser errors, live servers."""

from __future__ import annotations

import atexit
import hashlib
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import BrowserContext, ConsoleMessage, Playwright

from app.assets import BUILT, SOURCES, load_manifest
from app.landing.preview_image import load_previews
from tests.stripe_double import WEBHOOK_SECRET, StripeDouble, sign
from tests.support import write_test_event

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
CHROMIUM = "/usr/bin/chromium"
# Generous for the happy paths: a person approving on the demo phone never races it.
MBWAY_TIMEOUT_SECONDS = 120
# The expiry journey runs on its own server whose MB WAY window closes quickly.
SHORT_MBWAY_TIMEOUT_SECONDS = 4


@dataclass(frozen=True)
class Ux:
    """How the visitor meets the shop: which screen, and whether JavaScript runs."""

    device: str  # "phone" (Pixel 7) or "desktop" (1280x800)
    js: bool

    @property
    def id(self) -> str:
        return f"{self.device}-{'js' if self.js else 'nojs'}"

    def context_args(self, playwright: Playwright) -> dict[str, Any]:
        if self.device == "phone":
            pixel = playwright.devices["Pixel 7"]
            args = {
                key: pixel[key]
                for key in ("viewport", "user_agent", "device_scale_factor", "is_mobile")
            }
            args["has_touch"] = pixel["has_touch"]
            args["screen"] = pixel["screen"]
        else:
            args = {"viewport": {"width": 1280, "height": 800}}
        args["java_script_enabled"] = self.js
        args["locale"] = "pt-PT"
        args["timezone_id"] = "Europe/Lisbon"
        return args


UXES = [Ux(device, js) for device in ("phone", "desktop") for js in (True, False)]


@dataclass
class BrowserErrors:
    """What the browser reported as broken while a test ran."""

    seen: list[str] = field(default_factory=list)
    # Messages a test caused on purpose, each allowed a number of times.
    expected: list[list[Any]] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self.console)
        context.on("weberror", self.page_error)
        self.contexts.append(context)

    def flush(self) -> None:
        """Take delivery of messages the browser sent after the test's last step."""
        for context in self.contexts:
            try:
                context.cookies()  # a round trip: events sent before it are dispatched
            except Exception:  # a closed context has nothing left to say
                continue

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        for entry in self.expected:
            if entry[1] > 0 and entry[0].search(message.text):
                entry[1] -= 1
                return
        where = message.page.url if message.page else "?"
        self.seen.append(f"console error on {where}: {message.text}")

    def page_error(self, error: Any) -> None:
        where = error.page.url if getattr(error, "page", None) else "?"
        self.seen.append(f"uncaught error on {where}: {error.error}")

    def expect(self, pattern: str, times: int = 1) -> None:
        """Let a message the test causes on purpose through, e.g. a form's 422 answer.

        Chromium logs every 4xx response as a console error, the 422 of a form with
        mistakes included; each call allows `times` such messages, no more.
        """
        self.expected.append([re.compile(pattern), times])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


@dataclass
class LiveServer:
    """A gunicorn server with its own database, instance folder and event file."""

    url: str
    env: dict[str, str]
    event_file: Path
    log_file: Path
    process: subprocess.Popen[bytes] | None = None
    extra_offers: list[dict[str, Any]] = field(default_factory=list)

    def flask(self, *args: str) -> None:
        _run(self.env, str(VENV_BIN / "flask"), "--app", "wsgi:app", *args)

    def sync_catalog(self) -> None:
        """Rewrite the event file (test event plus any extra offers) and load it."""
        write_test_event(self.event_file)
        if self.extra_offers:
            data = yaml.safe_load(self.event_file.read_text(encoding="utf-8"))
            template = next(o for o in data["offers"] if o["slug"] == "bilhete-geral")
            data["offers"] += [{**template, **extra} for extra in self.extra_offers]
            self.event_file.write_text(
                yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
        self.flask("catalog", "sync")

    def add_offer(self, **changes: Any) -> str:
        """Put a new offer on sale (a copy of the general ticket with `changes`); its slug.

        Its seats belong to the test that asked for it, whatever other tests buy.
        """
        slug = f"e2e-{uuid.uuid4().hex[:8]}"
        self.extra_offers.append({**changes, "slug": slug})
        self.sync_catalog()
        return slug

    def start(self) -> None:
        """Migrate, load the catalog, start gunicorn and wait until /healthz answers."""
        self.flask("db", "upgrade", "-d", "app/migrations")
        self.sync_catalog()
        log = self.log_file.open("wb")
        self.process = subprocess.Popen(  # the server lives as long as the session
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        # Should the session end without its teardown, the server still goes with it.
        atexit.register(self.stop)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz in 30 s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # SIGINT is gunicorn's quick shutdown; the whole group is ours (start_new_session).
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def assets_up_to_date() -> bool:
    """static/built/ already holds the current htmx, CSS and JavaScript, and the landing's
    preview pictures."""
    try:
        manifest = load_manifest()
        previews = load_previews()
    except Exception:  # missing or half-written: build again
        return False
    if not all((BUILT.parent / built).exists() for built in previews.values()):
        return False
    for logical, source in SOURCES.items():
        if not source.exists():
            return False
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:10]
        built = manifest.get(logical, "")
        if digest not in built or not (BUILT.parent / built).exists():
            return False
    return True


def build_assets() -> None:
    _run(dict(os.environ), str(VENV_BIN / "flask"), "--app", "wsgi:app", "assets", "build")
    _run(dict(os.environ), str(VENV_BIN / "flask"), "--app", "wsgi:app", "landing", "previews")


def start_server(
    tmp: Path, mbway_timeout: int, settings: dict[str, str] | None = None
) -> LiveServer:
    """Migrate a fresh database, load the test event and serve it with gunicorn.

    `settings` adds to (or overrides) the environment the server runs with.
    """
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEST_DATABASE", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        {
            "APP_ENV": "development",
            "PAYMENT_PROVIDER": "demo",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
            "INSTANCE_PATH": str(tmp / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}",
            "EVENT_DATA_FILE": str(tmp / "event.yaml"),
            "MBWAY_TIMEOUT_SECONDS": str(mbway_timeout),
            "RATELIMIT_ENABLED": "false",
            # The whole suite buys from one address: no cap on open orders here.
            "OPEN_ORDERS_LIMIT": "1000",
            # A test sells a seat and looks at the landing at once: no second-old state.
            "PAGE_STATE_SECONDS": "0",
            "BASE_URL": f"http://127.0.0.1:{port}",
            "PYTHONUNBUFFERED": "1",
            # gunicorn 27 opens a control socket under $XDG_RUNTIME_DIR (else ~/.gunicorn):
            # one per server here, so two servers never take over each other's.
            "XDG_RUNTIME_DIR": str(tmp),
            **(settings or {}),
        }
    )
    server = LiveServer(
        url=f"http://127.0.0.1:{port}",
        env=env,
        event_file=tmp / "event.yaml",
        log_file=tmp / "server.log",
    )
    server.start()
    return server


# --- Stripe, played by a local HTTP server -----------------------------------------------


def stripe_settings(api_base: str) -> dict[str, str]:
    """What a server needs to take payments through Stripe at `api_base` (the double)."""
    return {
        "PAYMENT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_e2e",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": api_base.rstrip("/"),
    }


def deliver_ifthenpay_callback(server: LiveServer, query: str) -> str:
    """Call the server's ifthenpay callback as the gateway does (GET); what the shop did.

    A refused callback (any status but 200) raises urllib's HTTPError.
    """
    with urllib.request.urlopen(f"{server.url}/webhooks/ifthenpay?{query}", timeout=15) as answer:
        return answer.read().decode().strip()


# Stripe never reuses an id, and the live server's database outlives each test's double:
# every double of the session counts from one sequence, or the second test's first event
# would be taken for a duplicate delivery of the first test's.
_STRIPE_IDS = itertools.count(1)
# Where Stripe's hosted Checkout lives: the only outside address the shop's CSP lets a
# form (and the redirect after it) go to.
STRIPE_CHECKOUT = "https://checkout.stripe.com"


class SessionStripeDouble(StripeDouble):
    """The Stripe double, for a live server and a real browser.

    Its ids stay unique for the whole session, and its Checkout Sessions send the buyer
    to Stripe's real Checkout address, as Stripe does: the browser enforces the shop's
    `form-action` on the redirect after a form, and would block the double's own
    address. The browser context plays that page (see `play_stripe_checkout`).
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self._ids = _STRIPE_IDS

    def _make_session(self, params: dict[str, Any]) -> dict[str, Any]:
        session = super()._make_session(params)
        session["url"] = f"{STRIPE_CHECKOUT}/c/pay/{session['id']}"
        return session


def play_stripe_checkout(context: BrowserContext) -> None:
    """Answer the browser's requests to Stripe Checkout with a plain page of its own.

    Nothing leaves the machine; the tests only need to see the buyer arrive there.
    """
    context.route(
        f"{STRIPE_CHECKOUT}/**",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body="<!doctype html><html lang=en><title>Stripe Checkout (played)</title>"
            "<h1 data-stripe-checkout>Stripe Checkout</h1></html>",
        ),
    )


def deliver_stripe_event(server: LiveServer, event: dict[str, Any]) -> str:
    """POST a signed event to the server's webhook, as Stripe does; what the shop did with it.

    A refused event (any status but 200) raises urllib's HTTPError.
    """
    payload = json.dumps(event).encode()
    request = urllib.request.Request(
        f"{server.url}/webhooks/stripe",
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read())["result"]

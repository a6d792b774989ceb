"""What the browser fixtures (``conftest.py``) and the browser tests share: a page visit and the list
of registered pages to parametrise over."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request, Response

from dashboard.browser import DASH_ERRORS_JS, DRAWN_JS, MISSING_TRACES_JS

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"

#: Wall resolutions the canvas must fill (product.md §2).
WALL_SIZES = [(1920, 1080), (3840, 2160), (5760, 1080)]

#: The two ways every page is viewed: query string and viewport.
MODES = {"analyst": ("", (1366, 768)), "wall": ("?kiosk=1", (1920, 1080))}

#: How long Dash may take to settle after load. Generous on purpose: CI is a 2-core machine where the
#: first draw of a screen also pays for cold caches and Plotly/MapLibre start-up, and two test workers
#: share it. A page that never settles still fails; a slow one is measured by `smartsup bench`, not here.
SETTLE_TIMEOUT_MS = 90_000

#: The accounts the browser tests sign in with (created in the browser store by ``conftest.py``):
#: username → (role, office). Every visit signs in as ``BROWSER_USER`` unless a test says otherwise.
BROWSER_PASSWORD = "Browser#Test2026"
BROWSER_USER = "browser-admin"  # may open every page (the audit log too)
#: (the station account belongs to the first 市场监管所 of the store, by code)
BROWSER_ACCOUNTS = {"browser-leader": "leader", "browser-admin": "admin", "browser-analyst": "analyst",
                    "browser-station": "station", "browser-lockout": "analyst", "browser-duty": "duty"}


def sign_in(browser, app_url: str, username: str = BROWSER_USER, password: str = BROWSER_PASSWORD) -> dict:
    """Sign in through the login form in a throwaway context; returns its storage state (the session
    cookie) for ``browser.new_context(storage_state=…)``."""
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        # a light page after sign-in: the session cookie is all that is wanted here
        page.goto(app_url + "/login?next=/health", wait_until="load", timeout=SETTLE_TIMEOUT_MS)
        page.fill("#login-username", username)
        page.fill("#login-password", password)
        with page.expect_navigation(timeout=SETTLE_TIMEOUT_MS):
            page.click("#login-submit")
        if "/login" in page.url:
            box = page.locator("#login-message")
            message = box.inner_text() if box.count() else ""
            raise AssertionError(f"sign-in as {username} failed: {message}")
        return context.storage_state()
    finally:
        context.close()


def registered_pages() -> list[tuple[str, str]]:
    """(slug, path) of every routable page, from the page registry of a throwaway app."""
    import dash

    from dashboard.app import create_app
    from dashboard.kiosk import registered_pages as from_registry
    from dashboard.settings import Settings

    create_app(Settings(database_url="sqlite://", cache_type="null"))
    return [(p.slug, p.path) for p in from_registry(dash.page_registry)]


@dataclass
class Visit:
    """One page load and everything observed while it happened."""

    page: Page
    url: str
    origin: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    callback_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: Path | None = None

    def attach(self) -> None:
        """Start recording the page's console errors, requests and failures."""
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"page error: {exc}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", self._on_failed)
        self.page.on("response", self._on_response)

    def off_origin(self) -> list[str]:
        """Requested URLs outside the app's origin (data: and blob: URLs are local)."""
        out = []
        for u in self.requests:
            parts = urlsplit(u)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if f"{parts.scheme}://{parts.netloc}" != self.origin:
                out.append(u)
        return out

    def problems(self) -> list[str]:
        """Everything that should not happen on a healthy page."""
        return ([f"console: {e}" for e in self.console_errors]
                + [f"request failed: {e}" for e in self.failed_requests]
                + [f"callback: {e}" for e in self.callback_errors]
                + [f"off-origin: {u}" for u in self.off_origin()])

    def assert_clean(self) -> None:
        """Fail with the list of problems, if any."""
        problems = self.problems()
        assert not problems, f"{self.url}:\n  " + "\n  ".join(problems)

    def settle(self, timeout_ms: int = SETTLE_TIMEOUT_MS) -> None:
        """Wait until Dash has no pending callbacks and the network is idle."""
        self.page.wait_for_load_state("networkidle", timeout=timeout_ms)
        self.page.wait_for_function(DRAWN_JS, timeout=timeout_ms, polling=100)
        self.page.wait_for_load_state("networkidle", timeout=timeout_ms)
        # maps paint on the frame after they report "loaded"
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        self.callback_errors.extend(e for e in self.page.evaluate(DASH_ERRORS_JS)
                                    if e not in self.callback_errors)
        self.console_errors.extend(f"plotly.js has no trace type {t!r} (scripts/plotly-bundle/traces.json)"
                                   for t in sorted(set(self.page.evaluate(MISSING_TRACES_JS))))

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        """Save a screenshot under tests/screenshots/ (git-ignored)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        self.screenshot = path
        return path

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.method} {request.url} ({request.failure})")

    def _on_response(self, response: Response) -> None:
        if response.status < 400:
            return
        if "_dash-update-component" in response.url:
            self.callback_errors.append(f"HTTP {response.status} from {response.url}")
        else:
            self.failed_requests.append(f"HTTP {response.status} {response.url}")


#: Every routable page as (slug, path), for parametrised tests (read once, at collection).
REGISTERED_PAGES: list[tuple[str, str]] = registered_pages()

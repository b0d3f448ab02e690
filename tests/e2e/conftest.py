"""Real-browser journeys: headless Chromium (Debian's package) driven by Playwright,
against pytest-django's live server with the demo town loaded.

Every page a journey shows is checked at a desktop size and on a phone (390×844):
the document is no wider than the window, axe-core finds nothing (WCAG 2.2 A/AA, target
size included; JIS X 8341-3 refers to the 2.x rules), learner pages show no English word
outside an allow-list, and both sizes are photographed into
``build/screenshots/<journey>/``. Every request the browser makes must go to the test server.

Without Chromium, Playwright or axe-core the tests skip with the reason; with
``SHINKA_E2E=1`` (CI) a missing piece is a failure instead.
"""

import datetime
import io
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core.management import call_command

E2E_DIR = Path(__file__).resolve().parent
REPO_DIR = E2E_DIR.parents[1]
AXE_SCRIPT = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("SHINKA_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("SHINKA_E2E_SCREENSHOTS", REPO_DIR / "build" / "screenshots"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}

# English a Japanese learner page may show: names of things, abbreviations towns use,
# the framework's Why/What/How, the language switcher's own name of English.
ENGLISH_ALLOWED = frozenset(
    """
    DX AI RPA PDF CSV Excel Why What How IT ICT BPR LGWAN SaaS QR ID URL Web OK SNS
    DSS Lv English Word PowerPoint Teams Zoom LINE Microsoft Google Copilot ChatGPT
    Python e Gov EBPM GIS API CIO OJT PDCA KPI Wi Fi FAQ IC IPA METI NFC OCR OS USB
    VPN XLSX XLOOKUP SUM CC BY kintone UTF BOM Shift JIS CP iCal iCalendar ICS Outlook
    PNG JPEG MB
    """.split()
    # abbreviations spelled out where the glossary explains them
    + "Artificial Intelligence Local Government Wide Area Network".split()
)
# A run of two or more Latin letters (one letter is a label like 「A案」).
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z]+")

# Inside Wagtail's own admin markup, which this project does not render and cannot
# change, these elements break a rule; everything in our templates must pass.
WAGTAIL_ADMIN_EXCLUSIONS = [
    # Draftail (Wagtail's rich-text editor) gives its contenteditable role="textbox"
    # without a name; the visible <label> Wagtail renders above it is not linked to it.
    # The callout's "text" field is a RichTextBlock, so every module edit form has one.
    ".Draftail-Editor [role=textbox]",
]


if os.environ.get("SHINKA_E2E") == "1":
    import playwright.sync_api  # noqa: F401 - CI promised it: a missing one fails collection


def _missing_pieces() -> list[str]:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (pip install -e '.[dev]')")
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)")
    if not AXE_SCRIPT.exists():
        missing.append(f"axe-core at {AXE_SCRIPT} (npm ci --prefix tests/e2e)")
    return missing


@pytest.fixture
def browser(monkeypatch):
    missing = _missing_pieces()
    if missing:
        reason = "real-browser journeys need " + "; ".join(missing)
        if os.environ.get("SHINKA_E2E") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    # Two shared CPU cores: let assertions wait as long as actions do.
    expect.set_options(timeout=20_000)

    # Playwright's sync API keeps an asyncio loop running in this thread, which makes
    # Django refuse ORM calls from the test body (seeding, reading a TOTP secret). The
    # server answers in its own threads; nothing here is shared with the loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--lang=ja"])
        yield browser
        browser.close()


@pytest.fixture
def demo_town(transactional_db, eager_jobs):
    call_command("seed_demo", stdout=io.StringIO())


class Journey:
    """One person's browser session: visits pages, checks each, records every request."""

    def __init__(self, browser, live_server, name: str):
        self.base_url = live_server.url
        self.server = urlsplit(self.base_url).netloc
        self.context = browser.new_context(
            base_url=self.base_url, locale="ja-JP", accept_downloads=True, viewport=DESKTOP
        )
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.shots = 0

    def goto(self, path: str, label: str):
        self.page.goto(path)
        self.check(label)

    def check(self, label: str, *, exclude: list[str] | None = None):
        """The page as it is now, at desktop size and on a phone: no sideways scrolling,
        axe-core, no stray English on learner pages, a screenshot of each."""
        self.page.wait_for_load_state("load")
        self.shots += 1
        try:
            for size, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
                self.page.set_viewport_size(size)
                self._settle()
                self.page.screenshot(
                    path=self.folder / f"{self.shots:02d}-{label}-{suffix}.png", full_page=True
                )
                width_check(self.page)
                axe_check(self.page, exclude=exclude)
                if not urlsplit(self.page.url).path.startswith(("/admin/", "/django-admin/")):
                    english_check(self.page)
        finally:
            self.page.set_viewport_size(DESKTOP)

    def _settle(self):
        # Colours are judged once short transitions (Wagtail's messages fading in) have
        # ended; long decorative ones (the pulsing help badge) do not change them.
        self.page.wait_for_function(
            """() => document.getAnimations().every(a => a.playState !== "running"
                     || a.effect.getComputedTiming().activeDuration > 2000)"""
        )

    def check_admin(self, label: str):
        self.check(label, exclude=WAGTAIL_ADMIN_EXCLUSIONS)

    def sign_in(self, staff_number: str, password: str, *, totp_secret: str | None = None):
        page = self.page
        self.goto("/accounts/login/", "sign-in")
        # Keyboard only: type, Tab to the password, Enter submits.
        page.get_by_label("職員番号またはメールアドレス").focus()
        page.keyboard.type(staff_number)
        page.keyboard.press("Tab")
        page.keyboard.type(password)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if totp_secret:
            self.check("two-factor-code")
            enter_totp(page, totp_secret)

    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and urlsplit(url).netloc != self.server
        ]

    def close(self):
        self.context.close()


@pytest.fixture
def journey(browser, live_server, demo_town, request):
    journeys = []

    def start(name: str) -> Journey:
        journeys.append(Journey(browser, live_server, name))
        return journeys[-1]

    yield start
    for each in journeys:
        each.close()
    if not hasattr(request.node, "rep_call") or request.node.rep_call.passed:
        for each in journeys:
            assert not each.foreign_requests(), (
                f"pages asked for something outside the server: {each.foreign_requests()}"
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def axe_check(page, *, exclude: list[str] | None = None) -> None:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate(
        """async ([tags, exclude]) => {
            const context = exclude.length ? {include: [document], exclude: exclude.map(s => [s])}
                                           : document;
            const result = await axe.run(context, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html,
                                          summary: n.failureSummary})),
            }));
        }""",
        [AXE_TAGS, exclude or []],
    )
    if violations:
        lines = [f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    at {node['target']}: {node['html'][:200]}")
                lines.append("      " + node["summary"].replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)


def width_check(page) -> None:
    """Nothing scrolls sideways: the document is no wider than the window."""
    width, viewport, culprits = page.evaluate(
        """() => {
            const viewport = document.documentElement.clientWidth;
            const culprits = [];
            for (const el of document.body.querySelectorAll("*")) {
                const box = el.getBoundingClientRect();
                if (box.width && box.right > viewport + 1 && !el.closest(".table-scroll")) {
                    culprits.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                                  + (typeof el.className === "string" && el.className
                                     ? "." + el.className.trim().split(/\\s+/).join(".") : "")
                                  + " (" + Math.round(box.right) + " px)");
                }
            }
            return [document.documentElement.scrollWidth, viewport, culprits.slice(0, 8)];
        }"""
    )
    if width > viewport:
        pytest.fail(
            f"{page.url} scrolls sideways at {viewport} px: the document is {width} px wide; "
            f"wider elements: {culprits}",
            pytrace=False,
        )


def english_words(text: str) -> list[str]:
    """The English words of ``text`` that are not on the allow-list, each once, in order."""
    found = []
    # an e-mail address or a web address is not English prose
    text = re.sub(r"[\w.+-]+@[\w.-]+|https?://\S+", " ", text)
    # nor is a code of letters and digits (7KQ4-M2XD-9HTW-R3NB, a certificate number)
    text = re.sub(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+)+\b", " ", text)
    for word in ENGLISH_WORD.findall(text):
        if (
            word not in ENGLISH_ALLOWED
            and word.upper() not in ENGLISH_ALLOWED
            and word not in found
        ):
            found.append(word)
    return found


def english_check(page) -> None:
    """A learner page reads Japanese: visible text has no English outside the allow-list."""
    if page.evaluate("document.documentElement.lang") != "ja":
        pytest.fail(f"{page.url} is not in Japanese (lang is not ja)", pytrace=False)
    # innerText is what is rendered (hidden elements and <script> are left out); the
    # names of controls (alt, aria-label, placeholder) are read out, so they count too.
    text = page.evaluate(
        """() => [document.body.innerText, document.title,
                  ...[...document.querySelectorAll("[alt], [aria-label], [placeholder], [title]")]
                     .map(el => [el.getAttribute("alt"), el.getAttribute("aria-label"),
                                 el.getAttribute("placeholder"), el.getAttribute("title")]
                                .filter(Boolean).join(" "))].join("\\n")"""
    )
    # What the page marks as not to be translated (translate="no": a two-factor secret, a
    # certificate number) is a code, not a word.
    for code in page.evaluate(
        """() => [...document.querySelectorAll('[translate="no"]')].map(el => el.innerText)"""
    ):
        text = text.replace(code, " ")
    words = english_words(text)
    if words:
        pytest.fail(f"English on {page.url}: {words}", pytrace=False)


def totp_code(secret: str) -> str:
    """The code an authenticator app would show now (never one about to expire)."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def enter_totp(page, secret: str) -> None:
    code = page.get_by_label(re.compile("コード|Code"))
    code.fill(totp_code(secret))
    with page.expect_navigation():
        code.press("Enter")


def give_authenticator(staff_number: str, secret: str) -> None:
    """As if the person had set up their authenticator app earlier."""
    user = get_user_model().objects.get(staff_number=staff_number)
    TOTP.activate(user, secret)


def made_yesterday(kind: str) -> None:
    """The demo's report of ``kind`` becomes yesterday's, so today's is still to be made."""
    from lms.models import ReportRun

    ReportRun.objects.filter(kind=kind).update(
        as_of=datetime.date.today() - datetime.timedelta(days=1)
    )

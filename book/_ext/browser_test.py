"""Read the built website in a real headless browser, as a reader would.

Usage (``make site-test``)::

    python book/_ext/browser_test.py [_build/html]

The site is served from ``127.0.0.1`` by a local HTTP server and read by Debian's
``chromium`` through ``chromium-driver`` and Selenium (nothing downloads a browser; the
browser resolves every host name except 127.0.0.1 to "not found", so a request that
tries to leave the machine fails and is reported). Checks:

* every page loads without JavaScript errors and without a failed resource load
  (HTTP status >= 400 or a network error);
* no request leaves 127.0.0.1;
* MathJax typesets every equation (no error, no "failed to load" message);
* figures are present, loaded, non-empty and have a text alternative (not a file path);
* ids are unique in each page, a favicon is declared and loads, badges have a contrast
  of at least 4.5:1;
* the search page returns results for "DICOM";
* a solution dropdown opens when clicked;
* every link in the question bank's text resolves (page and anchor);
* at phone width (390 CSS px) no page is wider than the screen.

Exit status: 0 when every check passes, 1 when one fails, 3 when no browser is installed.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

ROOT = Path(__file__).resolve().parents[2]
PHONE_WIDTH = 390
MIN_CONTRAST = 4.5
HOW_TO_INSTALL = (
    "No headless browser found: the browser test needs Debian's chromium and its driver.\n"
    "Install them with:  sudo apt-get install -y chromium chromium-driver\n"
    "(or set CHROMIUM and CHROMEDRIVER to their paths). The test never downloads a browser."
)
SKIP_PAGES = {"genindex.html", "search.html"}


def find_browser() -> tuple[str, str] | None:
    """Paths of the system chromium and chromedriver, or None when either is missing."""
    import os

    browser = os.environ.get("CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None
    )
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if driver is None and Path("/usr/lib/chromium/chromedriver").exists():
        driver = "/usr/lib/chromium/chromedriver"
    if browser is None or driver is None:
        return None
    return browser, driver


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``site`` on 127.0.0.1 (a free port) in a thread; return server and base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def contrast_ratio(rgb1: tuple[float, ...], rgb2: tuple[float, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours given as 0-255 triples.

    Examples
    --------
    >>> round(contrast_ratio((255, 255, 255), (0, 0, 0)), 1)
    21.0
    >>> round(contrast_ratio((255, 255, 255), (0xE8, 0x92, 0x17)), 2)
    2.45
    """

    def luminance(rgb):
        channels = []
        for c in rgb[:3]:
            c = c / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(rgb1), luminance(rgb2)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass
class Report:
    """Failures and notes, grouped by check."""

    failures: dict[str, list[str]] = field(default_factory=dict)
    passed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def fail(self, check: str, message: str) -> None:
        self.failures.setdefault(check, []).append(message)

    def ok(self, check: str) -> None:
        self.passed[check] = self.passed.get(check, 0) + 1

    def print(self) -> None:
        checks = sorted(set(self.passed) | set(self.failures))
        for check in checks:
            bad = self.failures.get(check, [])
            status = "FAIL" if bad else "ok  "
            print(f"{status} {check}: {self.passed.get(check, 0)} passed, {len(bad)} failed")
            for message in bad[:12]:
                print(f"       - {message}")
            if len(bad) > 12:
                print(f"       ... and {len(bad) - 12} more")
        for note in self.notes:
            print(f"note: {note}")


def make_driver(browser: str, driver_path: str):
    """A headless chromium that can reach only 127.0.0.1, with console and network logs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--window-size=1280,900",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=driver_path))


def _network_events(driver) -> list[dict]:
    events = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"].startswith("Network."):
            events.append(message)
    return events


def _wait_for(driver, script: str, timeout: float = 20.0) -> object:
    deadline = time.monotonic() + timeout
    value = driver.execute_script(script)
    while not value and time.monotonic() < deadline:
        time.sleep(0.2)
        value = driver.execute_script(script)
    return value


PAGE_PROBE = """
const out = {};
const article = document.querySelector('.bd-article') || document.body;
out.images = Array.from(article.querySelectorAll('img')).map(img => ({
  src: img.getAttribute('src'), alt: img.getAttribute('alt'), complete: img.complete,
  natural: img.naturalWidth, width: img.getBoundingClientRect().width}));
const ids = {};
document.querySelectorAll('[id]').forEach(e => { ids[e.id] = (ids[e.id] || 0) + 1; });
out.duplicateIds = Object.keys(ids).filter(k => ids[k] > 1);
const icon = document.querySelector('link[rel~="icon"]');
out.favicon = icon ? icon.href : null;
out.badges = Array.from(document.querySelectorAll('.sd-badge')).slice(0, 5).map(b => {
  const s = getComputedStyle(b); return {text: b.textContent.trim(), color: s.color,
  background: s.backgroundColor};});
out.mathSources = document.querySelectorAll('.math').length;
out.hasMathJax = typeof window.MathJax !== 'undefined' && !!window.MathJax.Hub;
return out;
"""

MATHJAX_PROBE = """
const done = arguments[arguments.length - 1];
if (!(window.MathJax && MathJax.Hub)) { done(null); return; }
MathJax.Hub.Queue(function () {
  const message = document.getElementById('MathJax_Message');
  const jax = MathJax.OutputJax && MathJax.OutputJax['HTML-CSS'];
  done({
    scripts: document.querySelectorAll('script[type^="math/tex"]').length,
    rendered: document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML, .MathJax_SVG').length,
    errors: document.querySelectorAll('.MathJax_Error, .merror, .noError').length,
    message: message ? message.textContent : '',
    font: jax ? (jax.fontInUse || null) : null,
  });
});
"""

OVERFLOW_PROBE = """
const width = window.innerWidth;
const scrollable = e => { for (let p = e.parentElement; p; p = p.parentElement) {
  const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
  return false; };
const wide = [];
document.querySelectorAll('.bd-article *').forEach(e => {
  const r = e.getBoundingClientRect();
  if (r.right > width + 1 && r.width > 0 && !scrollable(e)) {
    wide.push(e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ?
      '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' "' +
      (e.textContent || '').trim().slice(0, 40) + '" right=' + Math.round(r.right)); }
});
return {width: width, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(-3)};
"""


def _rgb(css: str) -> tuple[float, ...] | None:
    numbers = re.findall(r"[\d.]+", css)
    if len(numbers) < 3 or (len(numbers) == 4 and float(numbers[3]) == 0):
        return None
    return tuple(float(n) for n in numbers[:3])


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def check_page(driver, base: str, page: str, report: Report) -> None:
    url = urljoin(base, page)
    driver.get(url)
    _wait_for(driver, "return document.readyState === 'complete'")
    info = driver.execute_script(PAGE_PROBE)
    if info["hasMathJax"] and info["mathSources"]:
        driver.set_script_timeout(30)
        math = driver.execute_async_script(MATHJAX_PROBE)
        if math is None:
            report.fail("mathjax", f"{page}: MathJax did not start")
        elif math["errors"] or "fail" in math["message"].lower() or not math["rendered"]:
            report.fail(
                "mathjax",
                f"{page}: {math['rendered']} rendered, {math['errors']} errors, "
                f"message {math['message']!r}, font {math['font']}",
            )
        else:
            report.ok("mathjax")
    time.sleep(0.3)  # late requests (fonts, favicon)
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    for message in errors:
        report.fail("no JavaScript errors or failed loads (console)", f"{page}: {message}")
    if not errors:
        report.ok("no JavaScript errors or failed loads (console)")
    failed = left = False
    requests: dict[str, str] = {}
    for event in _network_events(driver):
        params = event["params"]
        if event["method"] == "Network.requestWillBeSent":
            request_url = params["request"]["url"]
            requests[params["requestId"]] = request_url
            host = urlparse(request_url).hostname
            if (
                urlparse(request_url).scheme in {"http", "https", "ws", "wss"}
                and host != "127.0.0.1"
            ):
                report.fail("no request leaves 127.0.0.1", f"{page}: {request_url}")
                left = True
        elif event["method"] == "Network.responseReceived" and params["response"]["status"] >= 400:
            report.fail(
                "no failed resource load",
                f"{page}: {params['response']['status']} {params['response']['url']}",
            )
            failed = True
        elif event["method"] == "Network.loadingFailed" and not params.get("canceled"):
            target = requests.get(params["requestId"], "?")
            if urlparse(target).hostname == "127.0.0.1":
                report.fail("no failed resource load", f"{page}: {params['errorText']} {target}")
                failed = True
    if not failed:
        report.ok("no failed resource load")
    if not left:
        report.ok("no request leaves 127.0.0.1")
    for image in info["images"]:
        src, alt = image["src"] or "", (image["alt"] or "").strip()
        if not image["complete"] or image["natural"] == 0 or image["width"] == 0:
            report.fail("figures present and non-empty", f"{page}: {src} is empty or not loaded")
        else:
            report.ok("figures present and non-empty")
        if not alt or re.search(r"_images/|\.(png|jpe?g|svg|gif)$", alt):
            report.fail("figures have a text alternative", f"{page}: {src} alt={alt!r}")
        else:
            report.ok("figures have a text alternative")
    if info["duplicateIds"]:
        report.fail("unique ids", f"{page}: {', '.join(info['duplicateIds'][:5])}")
    else:
        report.ok("unique ids")
    if info["favicon"] is None:
        report.fail("favicon", f"{page}: no <link rel=icon>")
    else:
        report.ok("favicon")
    for badge in info["badges"]:
        fg, bg = _rgb(badge["color"]), _rgb(badge["background"])
        if fg is None or bg is None:
            continue
        ratio = contrast_ratio(fg, bg)
        if ratio < MIN_CONTRAST:
            report.fail("badge contrast >= 4.5:1", f"{page}: {badge['text']!r} has {ratio:.2f}:1")
        else:
            report.ok("badge contrast >= 4.5:1")


def check_search(driver, base: str, report: Report) -> None:
    driver.get(urljoin(base, "search.html?q=DICOM"))
    count = _wait_for(
        driver,
        "const r = document.querySelectorAll('#search-results li, ul.search li');return r.length;",
        timeout=30,
    )
    if count:
        report.ok("search finds DICOM")
        report.notes.append(f"search for DICOM: {count} results")
    else:
        report.fail("search finds DICOM", "search.html?q=DICOM shows no result")
    driver.get_log("browser")
    _network_events(driver)


def check_solution_dropdown(driver, base: str, pages: list[str], report: Report) -> None:
    from selenium.webdriver.common.by import By

    for page in pages:
        driver.get(urljoin(base, page))
        _wait_for(driver, "return document.readyState === 'complete'")
        solutions = driver.find_elements(By.CSS_SELECTOR, ".solution.dropdown")
        if not solutions:
            continue
        solution = solutions[0]
        body = solution.find_elements(By.CSS_SELECTOR, "section, .solution-content")
        if not body:
            report.fail("a solution dropdown opens", f"{page}: the solution has no body")
            return
        hidden_before = not body[0].is_displayed()
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", solution)
        solution.find_element(By.CSS_SELECTOR, ".admonition-title").click()
        shown = _wait_for(
            driver,
            "return arguments[0].offsetHeight > 0;".replace(
                "arguments[0]",
                "document.querySelectorAll('.solution.dropdown')[0].querySelector('section, .solution-content')",
            ),
            timeout=5,
        )
        if hidden_before and shown:
            report.ok("a solution dropdown opens")
        else:
            report.fail(
                "a solution dropdown opens",
                f"{page}: hidden before click {hidden_before}, shown after click {bool(shown)}",
            )
        driver.get_log("browser")
        _network_events(driver)
        return
    report.fail("a solution dropdown opens", "no page has a solution dropdown")


def check_question_bank_links(driver, base: str, report: Report) -> None:
    page = "book/question_bank.html"
    driver.get(urljoin(base, page))
    _wait_for(driver, "return document.readyState === 'complete'")
    hrefs = driver.execute_script(
        "return Array.from(document.querySelectorAll('.bd-article a[href]')).map(a => a.href);"
    )
    external = 0
    pages: dict[str, str] = {}
    for href in sorted(set(hrefs)):
        if urlparse(href).hostname != "127.0.0.1":
            external += 1
            continue
        target, fragment = urldefrag(href)
        if target not in pages:
            status, body = _fetch(target)
            pages[target] = body.decode("utf-8", "replace") if status == 200 else ""
            if status != 200:
                report.fail("question-bank links resolve", f"{href}: HTTP {status}")
                continue
        if fragment and f'id="{fragment}"' not in pages[target]:
            report.fail("question-bank links resolve", f"{href}: no element with id {fragment!r}")
            continue
        report.ok("question-bank links resolve")
    if external:
        report.notes.append(f"question bank: {external} external link(s) not followed (offline)")
    driver.get_log("browser")
    _network_events(driver)


def check_phone_width(driver, base: str, pages: list[str], report: Report) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 3, "mobile": True},
    )
    try:
        for page in pages:
            driver.get(urljoin(base, page))
            _wait_for(driver, "return document.readyState === 'complete'")
            time.sleep(0.2)
            result = driver.execute_script(OVERFLOW_PROBE)
            if result["scrollWidth"] > result["width"] + 1:
                report.fail(
                    f"no horizontal overflow at {PHONE_WIDTH} px",
                    f"{page}: {result['scrollWidth']} px wide; {'; '.join(result['wide'])}",
                )
            else:
                report.ok(f"no horizontal overflow at {PHONE_WIDTH} px")
            driver.get_log("browser")
            _network_events(driver)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def site_pages(site: Path) -> list[str]:
    """The HTML pages of the book, relative to ``site`` (indexes and _static excluded)."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.startswith(("_static/", "_sources/", "_images/")) or rel in SKIP_PAGES:
            continue
        pages.append(rel)
    return pages


def run(site: Path) -> int:
    if not (site / "index.html").exists():
        print(f"browser test: {site}/index.html not found; build the book first (make book)")
        return 1
    found = find_browser()
    if found is None:
        print(HOW_TO_INSTALL)
        return 3
    server, base = serve(site)
    report = Report()
    pages = site_pages(site)
    start = time.perf_counter()
    driver = make_driver(*found)
    try:
        for page in pages:
            check_page(driver, base, page, report)
        check_search(driver, base, report)
        check_solution_dropdown(
            driver, base, [p for p in pages if p.startswith("notebooks/")], report
        )
        check_question_bank_links(driver, base, report)
        check_phone_width(driver, base, pages, report)
    finally:
        driver.quit()
        server.shutdown()
    print(
        f"browser test: {len(pages)} pages of {site} in headless {Path(found[0]).name}, "
        f"{time.perf_counter() - start:.0f} s"
    )
    report.print()
    failed = sum(len(v) for v in report.failures.values())
    print(
        f"browser test: {'FAILED, ' + str(failed) + ' problem(s)' if failed else 'all checks passed'}"
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "_build" / "html")
    args = parser.parse_args(argv)
    return run(args.site.resolve())


if __name__ == "__main__":
    sys.exit(main())

"""Every page each demo role can reach: nothing wider than a 390 px phone, and axe-core
finds no serious or critical accessibility violation at desktop or phone width.

One browser; one context per role. Each role follows the links of its navigation and of
the pages they lead to (two clicks deep, as a person exploring would), within the site.
A content page (document, module, lab, quiz) is the same for everyone, so it is audited
once, by the first role that reaches it; role pages (home, plans, people, admin, reports)
are audited for every role.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

ROLES = [
    "newhire@example.com",
    "engineer@example.com",
    "mentor@example.com",
    "trainer@example.com",
    "admin@example.com",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
EXTRA = ["/search?q=checkout+is+slow", "/search?q=zzqx", "/search"]
SHARED = re.compile(r"^/(library|modules|labs|quizzes)/[^/]+$")
SKIP = re.compile(r"/(logout|csv|chart)(/|$)|\.(csv|pdf|svg|json)$|^/static/|^/bootstrap/")
MAX_PAGES = 120
# the lists whose items are content pages: followed one click further than other pages
NAV_LISTS = ("/library", "/modules/", "/labs/", "/quizzes", "/people/", "/admin/users")
axe = Axe()


def links(page) -> list[str]:
    """Same-site paths linked from the page, without fragments."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urlsplit(urljoin("http://site/", href))
        if url.netloc != "site" or not url.path:
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if not SKIP.search(url.path) and not url.query:
            found.append(path)
    return found


def serious(page, inject: bool = True) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    if inject:
        page.evaluate(axe.axe_script)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_fits_a_phone_and_passes_axe(browser, base_url):
    problems: list[str] = []
    audited: set[str] = set()
    for email in ROLES:
        context = browser.new_context(base_url=base_url, viewport=DESKTOP, bypass_csp=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/home")
        queue = ["/home", *links(page.locator("nav[aria-label=Main]").page), *EXTRA]
        seen: set[str] = set()
        depth = {path: 0 for path in queue}
        while queue and len(seen) < MAX_PAGES:
            path = queue.pop(0)
            if path in seen or (SHARED.match(path) and path in audited):
                continue
            seen.add(path)
            response = page.goto(path)
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            assert response.status == 200, f"{email} {path}: {response.status}"
            audited.add(path)
            for found in serious(page):
                problems.append(f"{email} {path} at 1366 px: {found}")
            page.set_viewport_size(PHONE)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"{email} {path}: {width} px wide at 390 px")
            for found in serious(page, inject=False):
                problems.append(f"{email} {path} at 390 px: {found}")
            page.set_viewport_size(DESKTOP)
            if depth[path] < (2 if path in ("/home", *NAV_LISTS) else 1):
                for link in links(page):
                    if link not in depth:
                        depth[link] = depth[path] + 1
                        queue.append(link)
        context.close()
    assert len(audited) > 40, sorted(audited)
    assert problems == [], "\n".join(problems)

#!/usr/bin/env python
"""Sign in as each demo role and screenshot the pages that role works in (for reviewing the UI).

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 screenshots/

Run the portal with TWO_FACTOR_REQUIRED=0 for the tour (the enrolment page is shot separately).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "demo-pass-2026"
TOUR = {
    "agent": ["/inquiries/", "/inquiries/hotline/", "/customers/", "/complaints/", "/staff/me/"],
    "supervisor": ["/inquiries/supervisor/", "/staff/qa/", "/staff/callbacks/", "/complaints/"],
    "manager": ["/staff/dashboard/", "/reminders/", "/loans/revenue/", "/audit/", "/complaints/incidents/", "/status/"],
    "risk": ["/loans/reviews/", "/loans/"],
    "legal": ["/complaints/legal/"],
    "backoffice": ["/customers/", "/loans/", "/admin/"],
}


def main(base: str, out: Path, lang: str = "zh-hans") -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--disable-gpu", "--disable-background-networking"]
        )
        for user, paths in TOUR.items():
            ctx = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})
            page = ctx.new_page()
            page.goto("/accounts/login/")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            for path in paths:
                page.goto(path)
                page.wait_for_load_state("networkidle")
                name = f"{user}{path.strip('/').replace('/', '_') or '_home'}.png".replace("__", "_")
                page.screenshot(path=str(out / name), full_page=False)
                print(out / name, page.title())
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000",
        Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots"),
    )

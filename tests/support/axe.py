"""axe-core (the npm package pinned in package-lock.json, installed by `make test`) run in a page that
Playwright drives, and the checks of a page at phone width that axe does not make.

The site's content-security policy allows no inline script and no script from elsewhere, so a script tag
(`page.add_script_tag`) holding axe would be blocked and reported as a violation. `page.evaluate` is not:
it runs through the DevTools protocol, which the policy does not govern. So axe runs under the same
policy as the pages it checks, with no context that bypasses it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (2.2 adds only AA rules to axe: target size).
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")
NODES_SHOWN = 8
MIN_TARGET = 24  # CSS px, WCAG 2.2 success criterion 2.5.8 (target size, minimum)


@cache
def axe_source() -> str:
    assert AXE_JS.exists(), f"{AXE_JS} is missing: `make node_modules/.installed` installs axe-core (npm ci)"
    return AXE_JS.read_text()


def axe_violations(page: Page) -> list[dict]:
    """The serious and critical violations of the WCAG A and AA rules in the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA_TAGS,
    )
    return [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]


def describe_violations(violations: list[dict]) -> str:
    """One block per rule: its id, impact and help, then the elements that break it."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:NODES_SHOWN]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary[:300]}")
        if len(violation["nodes"]) > NODES_SHOWN:
            lines.append(f"    … and {len(violation['nodes']) - NODES_SHOWN} more")
    return "\n".join(lines)


def horizontal_overflow(page: Page, content: str = "main") -> str | None:
    """None if neither the page nor its `content` element scrolls sideways (Wagtail's main hides what
    overflows it, which the page's own width would not show); else the widths and what sticks out."""
    return page.evaluate(
        """(content) => {
            const main = document.querySelector(content) || document.body;
            const edge = Math.min(window.innerWidth, main.getBoundingClientRect().right) + 0.5;
            const root = document.documentElement;
            if (root.scrollWidth <= window.innerWidth && main.scrollWidth <= main.clientWidth) return null;
            const wide = [...document.body.querySelectorAll('*')]
                .filter((el) => el.getBoundingClientRect().right > edge)
                .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= edge)
                .slice(0, 8)
                .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                    + (typeof el.className === 'string' && el.className.trim()
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                    + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + ')');
            return `page ${root.scrollWidth} px wide, ${content} ${main.scrollWidth} px, in a window of `
                + `${window.innerWidth} px: ${wide.join(', ')}`;
        }""",
        content,
    )


def target_problems(page: Page, selectors: list[str]) -> list[str]:
    """For each selector, the first matching element must be visible and at least 24×24 CSS px."""
    problems = []
    for selector in selectors:
        locator = page.locator(selector).first
        if not locator.is_visible():
            problems.append(f"{selector}: not visible")
            continue
        box = locator.bounding_box()
        if box["width"] < MIN_TARGET or box["height"] < MIN_TARGET:
            problems.append(
                f"{selector}: {box['width']:.0f}×{box['height']:.0f} px, under {MIN_TARGET}×{MIN_TARGET}"
            )
    return problems

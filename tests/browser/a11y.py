"""Accessibility checks run inside the browser: axe-core on the page as it stands, and what axe does
not measure: sideways scrolling and tap target sizes on a phone, visible labels, status badges in
words, and where the keyboard focus is and whether it can be seen.

axe-core is vendored under tests/browser/vendor/axe-core/ for the tests only; the site never serves
it. It is evaluated in the page through Playwright, so no `<script>` tag is added to what is tested.
"""

from dataclasses import dataclass, field
from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices (landmarks, one main heading,
# region labels). Only violations of these impacts fail a test; the rest are printed.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}

RUN_AXE = """async (tags) => {
    // Colours are measured once transitions (a button turning teal as it is chosen) have ended.
    const ending = document.getAnimations().filter((running) => running.effect?.getComputedTiming().endTime < Infinity);
    await Promise.all(ending.map((running) => running.finished.catch(() => null)));
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    const ruleIds = (items) => items.map((item) => item.id);
    return {
        violations: results.violations.map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.map((node) => ({target: node.target.join(" "), summary: node.failureSummary})),
        })),
        rules: [
            ...ruleIds(results.passes),
            ...ruleIds(results.violations),
            ...ruleIds(results.incomplete),
            ...ruleIds(results.inapplicable),
        ],
        applied: [...ruleIds(results.passes), ...ruleIds(results.violations), ...ruleIds(results.incomplete)],
    };
}"""

# Interactive elements smaller than 24x24 CSS pixels (WCAG 2.2, 2.5.8). Links inside running text
# are exempt, as the criterion allows: a link is "inline" when its block holds other text too.
SMALL_TAP_TARGETS = """() => {
    const interactive = [
        "a[href]", "button", "input:not([type=hidden])", "select", "textarea", "summary",
        "[role=button]", "[tabindex='0']",
    ].join(", ");
    const inRunningText = (element) => {
        if (element.tagName !== "A") return false;
        const block = element.closest("p, li, td, dd, small, .form-text, label");
        return block !== null && block.textContent.trim() !== element.textContent.trim();
    };
    // What a finger actually presses: a visually hidden radio or check box (Bootstrap's .btn-check)
    // through its label, a stretched link through the card it covers.
    const tapArea = (element) => {
        if (element.matches(".btn-check") && element.labels.length) return element.labels[0];
        if (element.matches(".stretched-link")) return element.closest(".card") || element;
        return element;
    };
    const small = [];
    for (const element of document.querySelectorAll(interactive)) {
        const style = getComputedStyle(element);
        if (style.visibility === "hidden" || style.display === "none") continue;
        if (element.matches(".visually-hidden-focusable:not(:focus)")) continue;
        const target = tapArea(element);
        const box = target.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        if (inRunningText(element)) continue;
        if ((element.type === "checkbox" || element.type === "radio") && target === element) {
            // A check box's label is part of its target: pressing either toggles it.
            const label = element.labels[0];
            const labelBox = label ? label.getBoundingClientRect() : box;
            if (Math.max(box.height, labelBox.height) >= 24 && box.width + labelBox.width >= 24) continue;
        }
        if (box.width < 23.5 || box.height < 23.5) {
            const name = (target.getAttribute("aria-label") || target.textContent || target.name || "").trim();
            const size = `${box.width.toFixed(0)}x${box.height.toFixed(0)}`;
            small.push(`${target.tagName.toLowerCase()} "${name.replace(/\\s+/g, " ").slice(0, 40)}" ${size}`);
        }
    }
    return small;
}"""


# Form fields without a label a person can see (a visually hidden radio button's label is its
# button). Fields not shown yet (in a closed <details>, a [hidden] block) are left out.
UNLABELLED_FIELDS = """() => {
    const selector = "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea";
    const seen = (element) => {
        const box = element.getBoundingClientRect();
        return box.width > 1 && box.height > 1 && getComputedStyle(element).visibility !== "hidden";
    };
    const missing = [];
    for (const field of document.querySelectorAll(selector)) {
        if (!field.matches(".btn-check") && !seen(field)) continue;
        if (![...field.labels].some((label) => seen(label) && !label.matches(".visually-hidden"))) {
            missing.push(field.name || field.id);
        }
    }
    return missing;
}"""

# Status badges and flags that show only a colour: each must say its status in words too.
WORDLESS_BADGES = """() => [...document.querySelectorAll(".badge")]
    .filter((badge) => badge.getBoundingClientRect().width > 0 && !badge.textContent.trim())
    .map((badge) => badge.className)"""

# The element that has keyboard focus, and whether a person can see that it has: an outline of at
# least 2 CSS pixels drawn by :focus-visible (keyboard focus, not a mouse click). A visually
# hidden radio button (a time slot) shows its focus on its label.
FOCUSED = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const shown = element.matches(".btn-check") && element.labels.length ? element.labels[0] : element;
    const style = getComputedStyle(shown);
    const name = element.getAttribute("aria-label")
        || (element.labels && element.labels.length ? element.labels[0].textContent : "")
        || element.textContent || element.value || "";
    const box = shown.getBoundingClientRect();
    return {
        tag: element.tagName.toLowerCase(),
        id: element.id,
        name: name.replace(/\\s+/g, " ").trim(),
        // The calendar button inside a date field has focus of its own, inside the field.
        focusVisible: element.matches(":focus-visible, input:focus-within"),
        outlined: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        onScreen: box.width > 1 && box.height > 1 && box.bottom > 0 && box.top < window.innerHeight,
    };
}"""


@dataclass
class AxeReport:
    """What the checks saw over a test session: the pages, the rules run and the rules that applied."""

    pages: list[str] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)
    applied: set[str] = field(default_factory=set)
    serious: int = 0
    minor: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"axe-core: {len(self.pages)} pages checked, {len(self.rules)} rules run "
            f"({len(self.applied)} applied to at least one page); "
            f"{self.serious} serious or critical violations"
        ]
        if self.minor:
            found = ", ".join(f"{rule} ({count})" for rule, count in sorted(self.minor.items()))
            lines.append(f"axe-core: moderate or minor findings, not failing: {found}")
        return "\n".join(lines)


def axe_violations(page, *, report: AxeReport | None = None, label: str = "") -> list[str]:
    """Run axe-core on the page; return one line per serious or critical violation."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    results = page.evaluate(RUN_AXE, AXE_TAGS)
    failures = []
    for violation in results["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            if report is not None:
                report.minor[violation["id"]] = report.minor.get(violation["id"], 0) + 1
            continue
        for node in violation["nodes"]:
            failures.append(f"{violation['impact']} {violation['id']} ({violation['help']}) at {node['target']}")
    if report is not None:
        report.serious += len(failures)
        report.pages.append(label or page.url)
        report.rules.update(results["rules"])
        report.applied.update(results["applied"])
    return failures


def sideways_overflow(page) -> int:
    """How many CSS pixels wider than the viewport the page is (0 or less: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def focused(page) -> dict | None:
    """The focused element: tag, id, name, and whether its focus is visible and outlined on screen."""
    element = page.evaluate(FOCUSED)
    # The page scrolls smoothly (Bootstrap's default): give the scroll up to 2 s to arrive.
    for _ in range(20):
        if element is None or element["onScreen"]:
            break
        page.wait_for_timeout(100)
        element = page.evaluate(FOCUSED)
    return element


def unlabelled_fields(page) -> list[str]:
    """The names of the page's form fields that have no visible label."""
    return page.evaluate(UNLABELLED_FIELDS)


def wordless_badges(page) -> list[str]:
    """The classes of visible badges that carry no text, only a colour."""
    return page.evaluate(WORDLESS_BADGES)


def small_tap_targets(page) -> list[str]:
    """Interactive elements under 24x24 CSS pixels, links in running text excepted."""
    return page.evaluate(SMALL_TAP_TARGETS)

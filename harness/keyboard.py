"""Moving through a page with the keyboard alone, and whether the focused element shows it."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

# The focused element, or the label that wraps it (a styled radio draws its ring on the label),
# shows its focus with an outline or a box shadow.
FOCUS_INDICATOR = """() => {
  const focused = document.activeElement;
  if (!focused || focused === document.body) return null;
  for (const element of [focused, focused.closest("label")].filter(Boolean)) {
    const style = getComputedStyle(element);
    if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
      return `outline ${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`;
    }
    if (style.boxShadow && style.boxShadow !== "none") return `box-shadow ${style.boxShadow}`;
  }
  return "";
}"""
TAB_LIMIT = 80


class FocusNotVisible(AssertionError):
    pass


def focus_indicator(page: Page) -> str | None:
    """How the focused element shows its focus; "" when it does not, None when nothing has focus."""
    return page.evaluate(FOCUS_INDICATOR)


def is_focused(target: Locator) -> bool:
    return target.evaluate("(element) => element === document.activeElement")


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> list[str]:
    """Press Tab (Shift+Tab) until `target` has focus, checking at every stop that the focus is
    visible; returns the indicators seen. Raises FocusNotVisible at the first stop without one,
    AssertionError when `target` is not reached within TAB_LIMIT presses."""
    seen = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        indicator = focus_indicator(page)
        if indicator == "":
            described = page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
            raise FocusNotVisible(f"focus is not visible on {described}")
        seen.append(indicator or "")
        if is_focused(target):
            return seen
    raise AssertionError(f"{target} not reached with {TAB_LIMIT} presses of Tab")

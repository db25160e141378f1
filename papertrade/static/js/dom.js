// Small DOM helpers shared by the page modules.
import { signOf } from "./format.js";

export function byTestId(testid, root = document) {
  return root.querySelector(`[data-testid="${testid}"]`);
}

// Set the text of the element with `testid` (if present and different).
export function setText(testid, text, root = document) {
  const element = byTestId(testid, root);
  if (element && element.textContent !== text) element.textContent = text;
  return element;
}

// Colour an element by the sign of a decimal string: up / down / flat.
export function setSignClass(element, value) {
  if (!element) return;
  const sign = signOf(value);
  element.classList.toggle("up", sign > 0);
  element.classList.toggle("down", sign < 0);
  element.classList.toggle("flat", sign === 0);
}

// Briefly highlight a cell whose value just changed.
export function flash(element, direction) {
  if (!element) return;
  element.classList.remove("flash-up", "flash-down");
  // Reading offsetWidth restarts the CSS animation.
  void element.offsetWidth;
  element.classList.add(direction >= 0 ? "flash-up" : "flash-down");
}

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

// Briefly highlight a cell whose value just changed. Each flash alternates between two animation
// names, which restarts the animation; restarting the same name needs a layout read
// (offsetWidth), and that forced a synchronous reflow on every tick of every watched row.
export function flash(element, direction) {
  if (!element) return;
  const name = direction >= 0 ? "flash-up" : "flash-down";
  const next = element.classList.contains(name) ? `${name}-again` : name;
  element.classList.remove("flash-up", "flash-down", "flash-up-again", "flash-down-again");
  element.classList.add(next);
}

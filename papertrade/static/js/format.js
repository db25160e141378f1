// Money, P&L and percentage formatting identical to the server's Jinja filters.
// Values arrive as decimal strings ("1234.5", "-3.00") and are parsed to BigInt
// hundredths by string manipulation, so no float ever touches a displayed figure.

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

// Parse a decimal string to BigInt hundredths, rounding ROUND_HALF_UP (away from zero).
// Returns null when the text is not a decimal number.
export function toHundredths(text) {
  if (text === null || text === undefined) return null;
  const match = DECIMAL.exec(String(text).trim());
  if (!match || (match[2] === "" && (match[3] === undefined || match[3] === ""))) return null;
  const negative = match[1] === "-";
  const whole = match[2] || "0";
  const fraction = (match[3] || "").padEnd(3, "0");
  let value = BigInt(whole) * 100n + BigInt(fraction.slice(0, 2));
  if (Number(fraction[2]) >= 5) value += 1n;
  return negative ? -value : value;
}

function groupThousands(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function unsignedText(hundredths, grouped) {
  const abs = hundredths < 0n ? -hundredths : hundredths;
  const whole = (abs / 100n).toString();
  const fraction = (abs % 100n).toString().padStart(2, "0");
  return `${grouped ? groupThousands(whole) : whole}.${fraction}`;
}

// Format BigInt cents as "$1,234.50" / "-$3.00".
export function centsToMoney(cents) {
  return `${cents < 0n ? "-" : ""}$${unsignedText(cents, true)}`;
}

// "1234.5" -> "$1,234.50"; "-3" -> "-$3.00"; anything unparsable -> "—".
export function money(text) {
  const cents = toHundredths(text);
  return cents === null ? "—" : centsToMoney(cents);
}

// Signed money: "+$12.34", "-$12.34", "$0.00".
export function pnl(text) {
  const cents = toHundredths(text);
  if (cents === null) return "—";
  return `${cents > 0n ? "+" : ""}${centsToMoney(cents)}`;
}

// Signed percentage: "+1.23%", "-0.50%", "0.00%".
export function pct(text) {
  const hundredths = toHundredths(text);
  if (hundredths === null) return "—";
  const sign = hundredths > 0n ? "+" : hundredths < 0n ? "-" : "";
  return `${sign}${unsignedText(hundredths, false)}%`;
}

// Unsigned share of a whole (allocation): "1.50%".
export function share(text) {
  const hundredths = toHundredths(text);
  return hundredths === null ? "—" : `${hundredths < 0n ? "-" : ""}${unsignedText(hundredths, false)}%`;
}

// -1, 0 or 1: the sign of a decimal string, for up/down colouring.
export function signOf(text) {
  const value = toHundredths(text);
  if (value === null || value === 0n) return 0;
  return value > 0n ? 1 : -1;
}

// "HH:MM:SS" of an ISO-8601 UTC timestamp, sliced like the templates do.
export function clockTime(iso) {
  return iso ? String(iso).slice(11, 19) : "";
}

/**
 * RFC 3339 date-times as the contract accepts them: `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`,
 * years 1970-9999. `T` and `Z` may be lower case (RFC 3339 §5.6). A fraction may have any number
 * of digits (RFC 3339 sets no limit); digits beyond milliseconds are cut off. A leap second (`:60`) is rejected: epoch milliseconds cannot hold it.
 */
/** Earliest and latest instants the API accepts, so every time renders as a plain `toISOString()`. */
export const MIN_TIME = Date.UTC(1970, 0, 1);
export const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : month === 4 || month === 6 || month === 9 || month === 11
      ? 30
      : 31;

/** The value of `n` ASCII digits at `at`, or -1 if any is not one. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const isT = (c: number) => c === 84 || c === 116; // T t
const isZ = (c: number) => c === 90 || c === 122; // Z z

/**
 * Epoch milliseconds of an RFC 3339 date-time, or `undefined` when it is not one the API accepts.
 * A scan of the characters, no regular expression: a create parses each of its times several
 * times (a test checks it against a regular-expression reference).
 */
export function parseRfc3339(text: string): number | undefined {
  const len = text.length;
  if (len < 20) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || !isT(text.charCodeAt(10)) || text[13] !== ':' || text[16] !== ':')
    return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let at = 19;
  let ms = 0;
  if (text[at] === '.') {
    let end = at + 1;
    while (end < len && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
    const n = end - at - 1;
    if (n < 1) return undefined;
    ms = digits(text, at + 1, Math.min(n, 3)) * (n === 1 ? 100 : n === 2 ? 10 : 1);
    at = end;
  }
  let offsetMinutes = 0;
  if (at === len - 1 && isZ(text.charCodeAt(at))) {
    // UTC
  } else if (at === len - 6 && (text[at] === '+' || text[at] === '-') && text[at + 3] === ':') {
    const oh = digits(text, at + 1, 2);
    const om = digits(text, at + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMinutes = (text[at] === '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  return t < MIN_TIME || t > MAX_TIME ? undefined : t;
}

export const toIso = (ms: number): string => new Date(ms).toISOString();

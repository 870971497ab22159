/**
 * Fast, allocation-free parsers for the field values of order exports. Each returns `NaN` when the
 * text does not fit, so the caller names the rejection reason; none of them guesses.
 */

/** How a date column is written. Timestamps without a zone are taken as UTC. */
export type DateFormat = 'iso' | 'ymd' | 'dmy' | 'mdy' | 'epoch-s' | 'epoch-ms';

export const DATE_FORMATS: readonly DateFormat[] = ['iso', 'ymd', 'dmy', 'mdy', 'epoch-s', 'epoch-ms'];

/** Decimal separator of numbers: `1,234.56` is `.`, `1.234,56` is `,`. */
export type DecimalSeparator = '.' | ',';

const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const CURRENCY_OR_SPACE = /[\s$£€¥\u00a0']/g;

/** Parse a decimal number written with `decimal` as separator (thousands separators and currency signs allowed). */
export function parseNumber(text: string, decimal: DecimalSeparator): number {
  if (decimal === '.' && PLAIN_NUMBER.test(text)) return Number(text);
  let s = text.replace(CURRENCY_OR_SPACE, '');
  if (decimal === ',') s = s.replace(/\./g, '').replace(',', '.');
  else s = s.replace(/,/g, '');
  // A trailing minus (`12.50-`) is how some ledgers write credits.
  if (s.endsWith('-') && !s.startsWith('-')) s = `-${s.slice(0, -1)}`;
  return s !== '' && PLAIN_NUMBER.test(s) ? Number(s) : Number.NaN;
}

/** Parse a date or timestamp in `format` to epoch milliseconds (UTC unless the text carries a zone). */
export function parseDate(text: string, format: DateFormat): number {
  switch (format) {
    case 'iso':
      return parseIso(text);
    case 'ymd':
      return parseCompactYmd(text);
    case 'dmy':
      return parseDayMonth(text, true);
    case 'mdy':
      return parseDayMonth(text, false);
    case 'epoch-s':
      return parseEpoch(text, 1000);
    case 'epoch-ms':
      return parseEpoch(text, 1);
  }
}

function digits(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return Number.NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Date.UTC rolls 2011-02-30 over to March: reject instead.
  return new Date(t).getUTCDate() === d ? t : Number.NaN;
}

/** `YYYY-MM-DD`, `YYYY/MM/DD`, optionally `[T ]HH:MM[:SS[.fff]]` and `Z` or `±HH[:]MM`. */
function parseIso(s: string): number {
  if (s.length < 10) return Number.NaN;
  const y = digits(s, 0, 4);
  const sep = s.charCodeAt(4);
  if (y < 0 || (sep !== 45 && sep !== 47) || s.charCodeAt(7) !== sep) return Number.NaN;
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (mo < 0 || d < 0) return Number.NaN;
  if (s.length === 10) return utc(y, mo, d, 0, 0, 0, 0);
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 32) return Number.NaN;
  return withTime(s, 11, y, mo, d);
}

/** Parses `HH:MM[:SS[.fff]][zone]` from `at` and combines it with the date. */
function withTime(s: string, at: number, y: number, mo: number, d: number): number {
  let i = at;
  let h = digits(s, i, 2);
  if (h < 0 && s.charCodeAt(i + 1) === 58) {
    h = digits(s, i, 1); // `8:26` as written by spreadsheets
    i -= 1;
  }
  const mi = digits(s, i + 3, 2);
  if (h < 0 || s.charCodeAt(i + 2) !== 58 || mi < 0) return Number.NaN;
  i += 5;
  let sec = 0;
  let ms = 0;
  if (s.charCodeAt(i) === 58) {
    sec = digits(s, i + 1, 2);
    if (sec < 0) return Number.NaN;
    i += 3;
    if (s.charCodeAt(i) === 46) {
      let j = i + 1;
      let frac = 0;
      let scale = 1;
      while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
        if (scale < 1000) {
          frac = frac * 10 + (s.charCodeAt(j) - 48);
          scale *= 10;
        }
        j++;
      }
      ms = Math.round((frac * 1000) / scale);
      i = j;
    }
  }
  const base = utc(y, mo, d, h, mi, sec, ms);
  if (i === s.length) return base;
  const zone = s.slice(i).trim();
  if (zone === '' || zone === 'Z' || zone === 'UTC') return base;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return Number.NaN;
  const offset = (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return m[1] === '+' ? base - offset : base + offset;
}

function parseCompactYmd(s: string): number {
  if (s.length !== 8) return Number.NaN;
  const y = digits(s, 0, 4);
  const mo = digits(s, 4, 2);
  const d = digits(s, 6, 2);
  return y < 0 || mo < 0 || d < 0 ? Number.NaN : utc(y, mo, d, 0, 0, 0, 0);
}

const DAY_MONTH = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T](.*))?$/;

/** `D/M/Y` (dayFirst) or `M/D/Y`, separators `/ . -`, 2- or 4-digit year, optional time. */
function parseDayMonth(s: string, dayFirst: boolean): number {
  const m = DAY_MONTH.exec(s);
  if (!m) return Number.NaN;
  const a = Number(m[1]);
  const b = Number(m[2]);
  let y = Number(m[3]);
  // Two-digit years: 70–99 are 19xx, the rest 20xx (the POSIX strptime pivot).
  if (m[3]?.length === 2) y += y >= 70 ? 1900 : 2000;
  const d = dayFirst ? a : b;
  const mo = dayFirst ? b : a;
  const time = m[4];
  if (time === undefined || time === '') return utc(y, mo, d, 0, 0, 0, 0);
  return withTime(time, 0, y, mo, d);
}

function parseEpoch(s: string, unitMs: number): number {
  if (!/^\d{9,13}(?:\.\d+)?$/.test(s)) return Number.NaN;
  return Math.round(Number(s) * unitMs);
}

const FLOAT_LIKE_ID = /^(\d+)\.0+$/;

/** Trim a customer id and turn float-like ids (`17850.0`, from spreadsheets) into `17850`; zero padding is kept. */
export function normalizeCustomerId(raw: string): string {
  const s = raw.trim();
  const dot = s.indexOf('.');
  return dot > 0 && FLOAT_LIKE_ID.test(s) ? s.slice(0, dot) : s;
}

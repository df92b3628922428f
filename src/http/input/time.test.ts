import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TIME, MIN_TIME, parseRfc3339 } from './time.js';

/** The grammar as a regular expression, and the ranges checked after it: the reference. */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
function reference(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let off = 0;
  if (m[8] === undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return undefined;
    off = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms) - off * 60_000;
  return t < MIN_TIME || t > MAX_TIME ? undefined : t;
}

describe('parseRfc3339', () => {
  it.each([
    ['2026-12-10T03:00:00Z', Date.UTC(2026, 11, 10, 3)],
    ['2026-12-10T03:00:00.000Z', Date.UTC(2026, 11, 10, 3)],
    ['2026-12-10t03:00:00z', Date.UTC(2026, 11, 10, 3)],
    ['2026-12-10T11:00:00+08:00', Date.UTC(2026, 11, 10, 3)],
    ['2026-12-09T22:30:00-04:30', Date.UTC(2026, 11, 10, 3)],
    ['2026-12-10T03:00:00.5Z', Date.UTC(2026, 11, 10, 3, 0, 0, 500)],
    ['2026-12-10T03:00:00.123456789Z', Date.UTC(2026, 11, 10, 3, 0, 0, 123)],
    ['2026-12-10T03:00:00.123456789012Z', Date.UTC(2026, 11, 10, 3, 0, 0, 123)],
    [`2026-12-10T03:00:00.9${'9'.repeat(100)}+01:00`, Date.UTC(2026, 11, 10, 2, 0, 0, 999)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['1970-01-01T00:00:00Z', 0],
    ['9999-12-31T23:59:59.999Z', Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
  ])('accepts %s', (text, ms) => {
    expect(parseRfc3339(text)).toBe(ms);
  });

  it.each([
    '2026-12-10',
    '2026-12-10T03:00:00',
    '2026-12-10T03:00Z',
    '2026-12-10 03:00:00Z',
    '2026-12-10T03:00:00+0800',
    '2026-12-10T03:00:00+08',
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-12-10T24:00:00Z',
    '2026-12-10T23:60:00Z',
    '2026-12-31T23:59:60Z',
    '2026-12-10T03:00:00+24:00',
    '2026-12-10T03:00:00.Z',
    '1969-12-31T23:59:59Z',
    '1970-01-01T00:30:00+01:00',
    '10000-01-01T00:00:00Z',
    '9999-12-31T23:00:00-05:00',
    '+02026-12-10T03:00:00Z',
    ' 2026-12-10T03:00:00Z',
    '2026-12-10T03:00:00Z ',
    '２０２６-12-10T03:00:00Z',
    '',
  ])('rejects %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('agrees with the regular-expression reference on near-valid strings', () => {
    const part = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
    const zone = fc.oneof(
      fc.constantFrom('Z', 'z', '', 'ZZ', '+08:00', '-04:30', '+24:00', '+08:60', '+0800', '+08'),
      fc.tuple(fc.constantFrom('+', '-'), part(2), part(2)).map(([s, h, m]) => `${s}${h}:${m}`),
    );
    const frac = fc.oneof(
      fc.constant(''),
      fc.constant('.'),
      part(1).map((d) => `.${d}`),
      fc.stringMatching(/^\.[0-9]{1,40}$/),
    );
    const text = fc
      .tuple(
        fc.oneof(part(4), fc.constantFrom('1969', '1970', '2000', '2024', '2100', '9999')),
        fc.oneof(part(2), fc.constantFrom('01', '02', '04', '12')),
        fc.oneof(part(2), fc.constantFrom('28', '29', '30', '31')),
        fc.constantFrom('T', 't', ' ', 'x'),
        part(2),
        part(2),
        part(2),
        frac,
        zone,
        fc.constantFrom('-', '/'),
      )
      .map(([y, mo, d, t, h, mi, s, f, z, sep]) => `${y}${sep}${mo}-${d}${t}${h}:${mi}:${s}${f}${z}`);
    fc.assert(
      fc.property(text, (t) => {
        expect(parseRfc3339(t)).toBe(reference(t));
      }),
      { numRuns: 20_000 },
    );
  });
});

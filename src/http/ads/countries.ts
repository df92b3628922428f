import countries from 'i18n-iso-countries';

/**
 * Assigned ISO 3166-1 alpha-2 codes, upper case. The library's list also carries `XK` (Kosovo),
 * which is a user-assigned code, not an assigned one, so it is left out.
 */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  Object.keys(countries.getAlpha2Codes()).filter((code) => code !== 'XK'),
);

const TWO_LETTERS = /^[A-Za-z]{2}$/;

/** The upper-case code when `text` is an assigned alpha-2 code in any letter case. */
export function toCountryCode(text: string): string | undefined {
  if (!TWO_LETTERS.test(text)) return undefined;
  const code = text.toUpperCase();
  return COUNTRY_CODES.has(code) ? code : undefined;
}

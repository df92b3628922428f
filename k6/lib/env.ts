/** Settings shared by every script, read from k6's `-e NAME=value` / environment. */

export const BASE_URL = (__ENV.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

/** Headers of admin requests: JSON, plus `Authorization` when ADMIN_TOKEN is set. */
export const ADMIN_HEADERS: Record<string, string> = {
  'Content-Type': 'application/json',
  ...(__ENV.ADMIN_TOKEN ? { Authorization: `Bearer ${__ENV.ADMIN_TOKEN}` } : {}),
};

export function envInt(name: string, def: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export const envString = (name: string, def: string): string => __ENV[name] || def;

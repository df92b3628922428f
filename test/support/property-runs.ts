/**
 * How many runs a property test makes: `n`, scaled by `PROPERTY_RUNS_SCALE` (mutation testing
 * runs every property once per mutant, against instrumented code, and sets it below 1).
 */
export function propertyRuns(n: number): number {
  const scale = Number(process.env.PROPERTY_RUNS_SCALE ?? '1');
  return Number.isFinite(scale) && scale > 0 ? Math.max(1, Math.ceil(n * scale)) : n;
}

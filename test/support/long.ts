// The long runs of the soak, fault and fuzz suites: `npm run test:long` sets MONOLITE_LONG=1 and the same test files
// run for minutes instead of seconds. `npm test` runs the short, bounded versions.

/** True under `npm run test:long`. */
export const LONG = process.env.MONOLITE_LONG === '1';

/** `short` in the main suite, `long` under `npm run test:long` (durations, iteration counts, client counts). */
export function bounded<T>(short: T, long: T): T {
  return LONG ? long : short;
}

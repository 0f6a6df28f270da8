// Soak sizes. A test whose point is volume (many crash trials, a long allocation loop, a large
// cross-product of lookups) runs a smaller amount of the same work in `npm test`, and its full
// amount under SOAK=1: `npm run soak` (scripts/soak.sh) runs those files that way, and CI runs it
// after `npm test` (.ci/run). Every assertion holds at both sizes; only the amount of work changes.

export const SOAK = process.env.SOAK === "1";

/** `quick` in the default run, `full` under SOAK=1. */
export function soakSize(quick: number, full: number): number {
  return SOAK ? full : quick;
}

/**
 * How long each fault lasts: `CHAOS_SECONDS` seconds (`npm run test:chaos` sets 10), or 1 s when
 * it is unset, the short form `npm test` runs.
 */
export function faultDurationMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CHAOS_SECONDS
  if (raw === undefined || raw === '') return 1000
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new Error(`CHAOS_SECONDS must be a number of seconds from 0 to 3600; got "${raw}".`)
  }
  return seconds * 1000
}

/** True in the long form (`npm run test:chaos`, or CHAOS_SECONDS set). */
export function isLongForm(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CHAOS_SECONDS !== undefined && env.CHAOS_SECONDS !== ''
}

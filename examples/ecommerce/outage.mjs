// The outage: the near Region is isolated a third of the way in and healed past half-way, so the
// run shows traffic leaving it, the far Region serving alone, and traffic coming back.

/** @param {number} durationSec */
export function outagePlan(durationSec) {
  const isolateAtSec = Math.round(durationSec * 0.3 * 10) / 10
  const healAtSec = Math.round(durationSec * 0.55 * 10) / 10
  return { isolateAtSec, healAtSec }
}

/**
 * Runs the plan against the emulator. Resolves once the Region was healed (or at once when
 * cancelled before it was isolated).
 * @param {{ plan: ReturnType<typeof outagePlan>, region: string,
 *   emulator: { isolate(region: string): Promise<void>, heal(region: string): Promise<void> },
 *   onIsolated(): void, onHealed(): void, elapsedSec: () => number, signal: AbortSignal }} options
 */
export async function runOutage({ plan, region, emulator, onIsolated, onHealed, elapsedSec, signal }) {
  const until = (atSec) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, (atSec - elapsedSec()) * 1000))
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  await until(plan.isolateAtSec)
  if (signal.aborted) return
  await emulator.isolate(region)
  onIsolated()
  await until(plan.healAtSec)
  // Heal even when stopped early: the Region must not stay dark for the audit.
  await emulator.heal(region)
  onHealed()
}

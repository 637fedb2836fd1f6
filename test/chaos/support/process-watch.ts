import type { Violation } from './invariants.js'

/**
 * Listens, inside the test worker, for what would crash an app: an unhandled rejection, and an
 * uncaught exception (an 'error' event nobody listens to ends up there). Every one is a violation.
 */
export function watchProcess(): { stop(): Violation[] } {
  const problems: Violation[] = []
  const describe = (error: unknown) =>
    error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error)
  const onRejection = (reason: unknown) =>
    problems.push({ invariant: 'no unhandled rejection', detail: describe(reason) })
  const onException = (error: unknown) =>
    problems.push({ invariant: "no uncaught 'error'", detail: describe(error) })
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    stop() {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
      return problems
    },
  }
}

/**
 * The process's resources that keep it alive, by type (sockets, connects, DNS requests, ref'd
 * timers; unref'd timers are not listed). The emulator runs in this process too, so its sockets
 * count: once the pool has ended and the emulator holds no session, both sides are gone.
 */
export function liveResources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1)
  return counts
}

/** Types whose count grew from `before` to `after`, as `TCPSocketWrap +2`. */
export function grownResources(before: Map<string, number>, after: Map<string, number>): string[] {
  const grown: string[] = []
  for (const [type, count] of after) {
    const extra = count - (before.get(type) ?? 0)
    if (extra > 0) grown.push(`${type} +${extra}`)
  }
  return grown
}

/**
 * Resolves true as soon as `check` holds, checking every 25 ms (the emulator and the backend
 * announce nothing when a session closes), or false after `timeoutMs`.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (performance.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

import type { RoutingStrategy } from '../config/index.js'
import type { EndpointHealth } from './endpoint-health.js'

/** A candidate must be this much faster than the current choice… */
export const SWITCH_RATIO = 0.75
/** …by at least this many milliseconds… */
export const SWITCH_MIN_GAIN_MS = 1
/** …in this many probe rounds in a row, before preference moves: noise does not make it flap. */
export const SWITCH_ROUNDS = 3

/** The state the latency choice carries between rounds (its hysteresis). */
export interface Preference {
  /** The endpoint index new connections go to, while healthy. */
  current: number | undefined
  /** The faster candidate seen in the last rounds, and how many rounds in a row. */
  challenger: number | undefined
  rounds: number
  /** False until a full probe round has measured every endpoint: until then the choice is provisional. */
  settled: boolean
}

export interface ChooseInput {
  readonly states: readonly EndpointHealth[]
  readonly strategy: RoutingStrategy
  readonly localRegion: string | undefined
  readonly now: number
  readonly failbackAfterMs: number
}

/**
 * The endpoint new connections should use, or undefined when none is healthy. Pure: it reads the
 * health states and the preference, and moves the preference only on clear, repeated evidence
 * (latency) or when the current choice is unhealthy. `fromProbeRound` says the call follows a
 * full probe round, which is what counts towards SWITCH_ROUNDS.
 */
export function chooseEndpoint(
  input: ChooseInput,
  preference: Preference,
  fromProbeRound = false,
): number | undefined {
  const { states, strategy, now, failbackAfterMs } = input
  const healthy = states.map((state, index) => ({ state, index })).filter(({ state }) => state.healthy)
  if (healthy.length === 0) return undefined
  // An endpoint that just came back waits until it has been stable before it wins traffic back,
  // unless nothing else is healthy.
  const stable = healthy.filter(({ state }) => state.isStable(now, failbackAfterMs))
  const pool = stable.length > 0 ? stable : healthy

  if (strategy === 'ordered') return setCurrent(preference, (pool[0] as { index: number }).index)
  if (strategy === 'local-first' && input.localRegion !== undefined) {
    const local = pool.find(({ state }) => state.endpoint.region === input.localRegion)
    if (local !== undefined) return setCurrent(preference, local.index)
  }

  const fastest = pool.reduce((best, candidate) =>
    rank(candidate.state) < rank(best.state) ? candidate : best,
  )
  if (!preference.settled && fromProbeRound) {
    // The first full round of measurements decides at once; hysteresis guards what follows.
    preference.settled = true
    return setCurrent(preference, fastest.index)
  }
  const current = preference.current === undefined ? undefined : states[preference.current]
  const currentUsable = current !== undefined && pool.some(({ index }) => index === preference.current)
  if (!currentUsable) return setCurrent(preference, fastest.index)
  // An endpoint that recovered (and stayed up) after the current one took over wins its traffic
  // back at once: hysteresis is for noisy measurements, not for failback.
  if (
    fastest.index !== preference.current &&
    fastest.state.latencyMs !== undefined &&
    fastest.state.upSince > current.upSince
  ) {
    return setCurrent(preference, fastest.index)
  }
  if (fastest.index === preference.current) {
    preference.challenger = undefined
    preference.rounds = 0
    return preference.current
  }
  const currentMs = current.latencyMs
  const fastestMs = fastest.state.latencyMs
  const clearlyFaster =
    fastestMs !== undefined &&
    (currentMs === undefined ||
      (fastestMs < currentMs * SWITCH_RATIO && currentMs - fastestMs >= SWITCH_MIN_GAIN_MS))
  if (!clearlyFaster) {
    preference.challenger = undefined
    preference.rounds = 0
    return preference.current
  }
  if (fromProbeRound) {
    preference.rounds = preference.challenger === fastest.index ? preference.rounds + 1 : 1
    preference.challenger = fastest.index
  }
  if (preference.rounds >= SWITCH_ROUNDS || currentMs === undefined)
    return setCurrent(preference, fastest.index)
  return preference.current
}

/** Unmeasured endpoints rank after measured ones, in list order. */
function rank(state: EndpointHealth): number {
  return state.latencyMs ?? Number.POSITIVE_INFINITY
}

function setCurrent(preference: Preference, index: number): number {
  if (preference.current !== index) {
    preference.current = index
    preference.challenger = undefined
    preference.rounds = 0
  }
  return index
}

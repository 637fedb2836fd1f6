import { DsqlConfigError } from '../errors/index.js'
import { MAX_TIMER_MS } from './resolve-limits.js'
import { rejectUnknownKeys, shown } from './setting.js'

/**
 * How the router picks an endpoint for each new connection:
 * - `latency`: the lowest measured round trip (light periodic probes, smoothed), with hysteresis;
 * - `local-first`: the endpoint in the app's own Region (`AWS_REGION`) while it is healthy, then latency;
 * - `ordered`: the first healthy endpoint in the order given.
 */
export const ROUTING_STRATEGIES = ['latency', 'local-first', 'ordered'] as const
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number]

/** Multi-Region routing settings (the `routing` option). */
export interface RoutingOptions {
  /**
   * How to choose among healthy endpoints.
   * @default `DSQL_ROUTING`, then 'latency'
   */
  strategy?: RoutingStrategy | undefined
  /**
   * How often each healthy endpoint is probed (a TCP connect and one SSLRequest round trip), in
   * milliseconds. Also bounds how stale the latency ranking can be.
   * @default 5000
   */
  probeIntervalMs?: number | undefined
  /**
   * How long a probe may wait for its answer before the endpoint counts as unreachable.
   * @default 1000
   */
  probeTimeoutMs?: number | undefined
  /**
   * How long an endpoint that came back must stay healthy before new connections move back to
   * it, in milliseconds: an endpoint that flaps never wins traffic back.
   * @default 1500
   */
  failbackAfterMs?: number | undefined
  /**
   * With one endpoint given, ask the DSQL control plane (`GetCluster`, from the optional
   * `@aws-sdk/client-dsql`) for the cluster's peers and route among all of them.
   * @default false
   */
  discover?: boolean | undefined
}

export interface ResolvedRouting {
  readonly strategy: RoutingStrategy
  readonly probeIntervalMs: number
  readonly probeTimeoutMs: number
  readonly failbackAfterMs: number
  readonly discover: boolean
}

export const ROUTING_DEFAULTS: ResolvedRouting = Object.freeze({
  strategy: 'latency',
  probeIntervalMs: 5000,
  probeTimeoutMs: 1000,
  failbackAfterMs: 1500,
  discover: false,
})

const ROUTING_KEYS = ['strategy', 'probeIntervalMs', 'probeTimeoutMs', 'failbackAfterMs', 'discover'] as const

/**
 * Resolves the `routing` option, with `DSQL_ROUTING` (`envStrategy`) as the strategy when the
 * option names none. This is the only place `DSQL_ROUTING` is read.
 */
export function resolveRoutingOptions(options: unknown, envStrategy?: string): ResolvedRouting {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw new DsqlConfigError(`routing must be an object of routing options; got ${typeof options}.`, {
      option: 'routing',
    })
  }
  const input = (options ?? {}) as RoutingOptions
  rejectUnknownKeys(input, ROUTING_KEYS, 'routing')
  const fromEnv = input.strategy === undefined && envStrategy !== undefined && envStrategy !== ''
  if (!fromEnv && options === undefined) return ROUTING_DEFAULTS
  const resolved: ResolvedRouting = Object.freeze({
    strategy: (fromEnv ? envStrategy : input.strategy) ?? ROUTING_DEFAULTS.strategy,
    probeIntervalMs: input.probeIntervalMs ?? ROUTING_DEFAULTS.probeIntervalMs,
    probeTimeoutMs: input.probeTimeoutMs ?? ROUTING_DEFAULTS.probeTimeoutMs,
    failbackAfterMs: input.failbackAfterMs ?? ROUTING_DEFAULTS.failbackAfterMs,
    discover: input.discover ?? ROUTING_DEFAULTS.discover,
  }) as ResolvedRouting
  if (!(ROUTING_STRATEGIES as readonly string[]).includes(resolved.strategy)) {
    const from = fromEnv ? 'DSQL_ROUTING' : 'routing.strategy'
    throw new DsqlConfigError(
      `${from} is "${resolved.strategy}"; use "latency" (the default), "local-first" or "ordered".`,
      { option: from },
    )
  }
  for (const [name, min] of [
    ['probeIntervalMs', 100],
    ['probeTimeoutMs', 10],
    ['failbackAfterMs', 0],
  ] as const) {
    const value = resolved[name]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
      throw new DsqlConfigError(
        `routing.${name} must be from ${min} to ${MAX_TIMER_MS} milliseconds; got ${shown(value)}.`,
        {
          option: `routing.${name}`,
        },
      )
    }
  }
  if (typeof resolved.discover !== 'boolean') {
    throw new DsqlConfigError(`routing.discover must be true or false; got ${shown(resolved.discover)}.`, {
      option: 'routing.discover',
    })
  }
  return resolved
}

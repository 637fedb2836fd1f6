import diagnostics from 'node:diagnostics_channel'
import type { DsqlPool } from '../../../src/index.js'
import { type DsqlEvent, EVENT_CHANNEL_NAME } from '../../../src/index.js'

/** The events of `type` in `events`, typed as that event. */
export function ofType<T extends DsqlEvent['type']>(events: readonly DsqlEvent[], type: T) {
  return events.filter((event): event is Extract<DsqlEvent, { type: T }> => event.type === type)
}

/**
 * Resolves once pg-dsql has published `count` more `connection.lost` events: the pools heard the
 * server close their idle sessions, as a pool does long before its next query when DSQL ends a
 * session at 60 minutes.
 */
export function connectionsLost(count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0
    const listen = (event: unknown) => {
      if ((event as DsqlEvent).type !== 'connection.lost' || ++seen < count) return
      diagnostics.unsubscribe(EVENT_CHANNEL_NAME, listen)
      resolve()
    }
    diagnostics.subscribe(EVENT_CHANNEL_NAME, listen)
  })
}

/**
 * Resolves once `pool` has removed `count` connections. (The emulator closes every pool's
 * sessions, so connection.lost events alone cannot say which pool heard.)
 */
export function connectionsRemoved(pool: DsqlPool, count: number): Promise<void> {
  return new Promise((resolve) => {
    let removed = 0
    pool.on('remove', () => {
      if (++removed === count) resolve()
    })
  })
}

/** The error `work` rejects with; throws when it resolves. */
export async function rejectionOf(work: PromiseLike<unknown>): Promise<unknown> {
  try {
    await work
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

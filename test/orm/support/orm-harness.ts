import { randomBytes } from 'node:crypto'
import type { Emulator } from 'pg-dsql-emulator'
import { type DsqlEvent, DsqlPool, type DsqlPoolConfig } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

/**
 * What every ORM test shares: one emulator Region with the app's view of it, the DSQL options an
 * app would pass, and the faults the tests meet (conflicts, connection-age expiry).
 *
 *   const h = await ormHarness()        // beforeAll
 *   h.options({ max: 4 })               // DsqlPoolConfig for the ORM's pool
 *   h.conflictOnNextCommits(2)          // the next 2 COMMITs that wrote fail with 40001 (OC000)
 *   h.expireConnections()               // every open session reaches DSQL's 60-minute cap
 *   h.tokensSigned()                    // token.issued events heard so far
 *   await h.stop()                      // afterAll
 */
export interface OrmHarness {
  readonly emulator: Emulator
  /** DsqlPool options for the emulator, with the harness's event listener in front of `extra`'s. */
  options(extra?: DsqlPoolConfig): DsqlPoolConfig
  /** Every pg-dsql event heard through `options()`. */
  readonly events: readonly DsqlEvent[]
  tokensSigned(): number
  /** The next `count` COMMITs that wrote (or autocommit writes) fail with DSQL's OC000 conflict. */
  conflictOnNextCommits(count: number): void
  /**
   * Every open session reaches DSQL's connection-age cap and is closed by the server, with no
   * error (idle ones now, ones in a transaction when it ends), as at 60 minutes on DSQL.
   */
  expireConnections(): void
  /** Runs DDL the DSQL way: one statement per transaction, on a connection of its own. */
  ddl(...statements: string[]): Promise<void>
  /** A table name no other test file uses. */
  table(prefix: string): string
  stop(): Promise<void>
}

export async function ormHarness(): Promise<OrmHarness> {
  const emulator = await startTestEmulator({ regions: ['us-east-1'] })
  const events: DsqlEvent[] = []
  const record = (event: DsqlEvent) => events.push(event)
  let clockOffsetSec = 0
  return {
    emulator,
    events,
    options(extra = {}) {
      const theirs = extra.onEvent
      return optionsFor(emulator, {
        ...extra,
        onEvent: (event) => {
          record(event)
          theirs?.(event)
        },
      })
    },
    tokensSigned: () => events.filter((event) => event.type === 'token.issued').length,
    conflictOnNextCommits(count) {
      emulator.inject({ kind: 'occ', count })
    },
    expireConnections() {
      // Past the cap on the emulator's clock (the age check runs at once), then back, so tokens
      // signed on the real clock stay valid for the connections that come next.
      clockOffsetSec += 3_700
      emulator.setClockOffset(clockOffsetSec)
      clockOffsetSec = 0
      emulator.setClockOffset(clockOffsetSec)
    },
    async ddl(...statements) {
      const pool = new DsqlPool(optionsFor(emulator, { max: 1 }))
      try {
        for (const statement of statements) await pool.query(statement)
      } finally {
        await pool.end()
      }
    },
    table: (prefix) => `${prefix}_${randomBytes(4).toString('hex')}`,
    stop: () => emulator.stop(),
  }
}

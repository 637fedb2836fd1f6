import { EventEmitter } from 'node:events'
import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DsqlClient, TransactionOutcomeUnknownError } from '../../src/index.js'
import { optionsFor } from '../support/dsql-options.js'
import { startTestEmulator } from '../support/emulator.js'
import { type ChaosTables, createChaosTables, type DatabaseTruth } from './support/chaos-tables.js'
import { type FaultScenario, runFault } from './support/fault-run.js'
import { checkOutcomes, longestGap } from './support/invariants.js'
import { grownResources } from './support/process-watch.js'
import { tagSql, WireLog } from './support/wire-tap.js'
import type { OpKind, OpRecord } from './support/workload.js'

/** A pg Connection as the tap sees it: it sends, and the server answers through events. */
class FakeConnection extends EventEmitter {
  readonly sent: string[] = []
  query(text: string): void {
    this.sent.push(text)
  }
  parse(message: { text: string }): void {
    this.sent.push(message.text)
  }
}

function tapped(): { wire: WireLog; connection: FakeConnection } {
  const wire = new WireLog()
  const connection = new FakeConnection()
  wire.watch(connection)
  return { wire, connection }
}

function op(id: string, kind: OpKind, ...errors: unknown[]): OpRecord {
  const attempts = errors.map((error, i) => ({ tag: `${id}#${i + 1}`, error }))
  return { id, kind, attempts, error: errors.at(-1), done: true }
}

function truth(ledger: Record<string, number> = {}, moneyProblems: string[] = []): DatabaseTruth {
  return { ledger: new Map(Object.entries(ledger)), transfers: new Set(), kv: new Set(), moneyProblems }
}

const unknown = () => new TransactionOutcomeUnknownError('unknown', { attempts: 1, cause: new Error('lost') })
const xx000 = Object.assign(new Error('server unavailable'), { code: 'XX000' })

/** The suite's own checks, each shown to fail on the evidence it looks for. */
describe('chaos invariant checks', () => {
  it('records a COMMIT with no answer as lost, an XX000 as such, and an answered one as ok', () => {
    const { wire, connection } = tapped()
    connection.query('BEGIN')
    connection.parse({ text: tagSql('t', 'a#1', 'INSERT INTO t VALUES ($1)') })
    connection.emit('readyForQuery')
    connection.query('COMMIT')
    connection.emit('end')
    const { wire: second, connection: other } = tapped()
    other.parse({ text: tagSql('a', 'b#1', 'INSERT INTO t VALUES ($1)') })
    other.emit('errorMessage', { code: 'XX000' })
    other.emit('readyForQuery')
    other.query('BEGIN')
    other.query('COMMIT')
    other.parse({ text: tagSql('a', 'c#1', 'INSERT INTO t VALUES ($1)') })
    other.emit('readyForQuery')
    expect(wire.pointsOf('a#1').map((p) => p.answer)).toEqual(['lost'])
    expect(second.pointsOf('b#1').map((p) => p.answer)).toEqual(['XX000'])
    expect(second.pointsOf('c#1').map((p) => p.answer)).toEqual(['ok'])
  })

  it('passes outcomes that match the database and the wire', () => {
    const { wire, connection } = tapped()
    connection.parse({ text: tagSql('a', 'x#1', 'INSERT') })
    connection.emit('end')
    const ops = [op('x', 'autocommit', unknown()), op('y', 'autocommit', undefined)]
    expect(checkOutcomes(ops, wire, truth({ x: 1, y: 1 }), [])).toEqual([])
  })

  it.each([
    ['acked write is in the database', [op('a', 'autocommit', undefined)], {}],
    ['no write applied twice', [op('a', 'non-idempotent', xx000, undefined)], { a: 2 }],
    ['08007 only for a truly ambiguous commit', [op('a', 'autocommit', unknown())], {}],
    ['a write that failed definitely was not applied', [op('a', 'exactly-once', xx000)], { a: 1 }],
  ] as const)('finds a broken "%s"', (invariant, ops, ledger) => {
    const found = checkOutcomes(ops, new WireLog(), truth(ledger), [])
    expect(found.map((v) => v.invariant)).toContain(invariant)
  })

  it('finds an ambiguous write reported as retryable, and unbalanced money', () => {
    const { wire, connection } = tapped()
    connection.parse({ text: tagSql('a', 'a#1', 'INSERT') })
    connection.emit('end')
    const found = checkOutcomes([op('a', 'autocommit', xx000)], wire, truth({}, ['total 15999']), ['read 1'])
    expect(found.map((v) => v.invariant)).toEqual([
      'an ambiguous write is reported as 08007',
      'the money balances',
      'the money balances',
    ])
  })

  it('measures the longest stretch without a success, edges included', () => {
    expect(longestGap([10, 20, 70, 75], 0, 100)).toBe(50)
    expect(longestGap([], 0, 100)).toBe(100)
    expect(longestGap([5, 95], 10, 100)).toBe(85)
  })

  it('names the resources that grew', () => {
    const before = new Map([['TCPSocketWrap', 2]])
    expect(grownResources(before, new Map([['TCPSocketWrap', 2]]))).toEqual([])
    expect(
      grownResources(
        before,
        new Map([
          ['TCPSocketWrap', 3],
          ['Timeout', 1],
        ]),
      ),
    ).toEqual(['TCPSocketWrap +1', 'Timeout +1'])
  })

  describe('through the emulator', () => {
    let emulator: Emulator
    let tables: ChaosTables

    beforeAll(async () => {
      emulator = await startTestEmulator({ regions: ['us-east-1'] })
      tables = await createChaosTables(emulator)
    })

    afterAll(async () => {
      await emulator?.stop()
    })

    it('finds a session and a socket left open after the pool ended', async () => {
      let leaked: DsqlClient | undefined
      const scenario: FaultScenario = {
        name: 'self-check: a session left open',
        async start({ emulator }) {
          leaked = new DsqlClient(optionsFor(emulator))
          await leaked.connect()
          return () => {}
        },
      }
      const row = await runFault(emulator, tables, scenario, 200, 500)
      await leaked?.end()
      expect(row.violations.map((v) => v.invariant)).toEqual(['no session leak', 'no socket or timer leak'])
    })
  })
})

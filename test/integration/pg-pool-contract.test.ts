import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DsqlPool, type DsqlPoolConfig } from '../../src/index.js'
import { optionsFor } from '../support/dsql-options.js'
import { startTestEmulator } from '../support/emulator.js'

// node-postgres's pool contract, item by item (pg-pool's README and its own tests), run against
// pg.Pool and DsqlPool on the same emulator. Each scenario returns what a caller can observe;
// the two must be equal, except where the README's "Differences from pg.Pool" table says why.

type Kind = 'pg.Pool' | 'DsqlPool'
type Options = pg.PoolConfig & DsqlPoolConfig & { refused?: boolean }
type MakePool = (options?: Options) => pg.Pool
type Scenario = (make: MakePool) => Promise<unknown>

const root = resolve(import.meta.dirname, '../..')
let emulator: Emulator
let signer: DsqlSigner

function makePool(kind: Kind, { refused = false, ...options }: Options = {}): pg.Pool {
  const [endpoint] = emulator.endpoints
  if (endpoint === undefined) throw new Error('no endpoint')
  const port = refused ? 1 : endpoint.port
  if (kind === 'DsqlPool') {
    // Connect retries are a documented difference; the contract compares one attempt.
    return new DsqlPool(
      optionsFor(emulator, {
        endpoints: `${endpoint.host}@${endpoint.address}:${port}`,
        retry: false,
        ...options,
      }),
    )
  }
  return new pg.Pool({
    host: endpoint.address,
    port,
    user: 'admin',
    database: 'postgres',
    ssl: { ca: readFileSync(emulator.caCertPath, 'utf8'), servername: endpoint.host },
    password: () => signer.getDbConnectAdminAuthToken(),
    ...options,
  })
}

/** Records the pool's events by name, in order. */
function recordEvents(pool: pg.Pool): string[] {
  const seen: string[] = []
  for (const name of ['connect', 'acquire', 'release', 'remove', 'error'] as const)
    pool.on(name as 'connect', () => seen.push(name))
  return seen
}

/**
 * Ends the pool and waits until every client it opened was removed: pg-pool's end() resolves
 * once no client is left in the pool, and each client's 'remove' follows when its connection has
 * closed, in both pools alike.
 */
async function endAndDrain(pool: pg.Pool, seen: string[]): Promise<void> {
  const count = (name: string) => seen.filter((seenName) => seenName === name).length
  const drained = new Promise<void>((done) => {
    const check = () => {
      if (count('remove') < count('connect')) return
      pool.off('remove', check)
      done()
    }
    pool.on('remove', check)
    queueMicrotask(check)
  })
  await pool.end()
  await drained
}

const errorOf = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message } : { value: error }

const scenarios: Record<string, Scenario> = {
  'connect(cb) answers (undefined, client, release) with release === client.release': async (make) => {
    const pool = make()
    const [error, client, release] = await new Promise<unknown[]>((done) =>
      pool.connect((...args: unknown[]) => done(args)),
    )
    const outcome = {
      error,
      client: typeof client,
      sameRelease: release === (client as pg.PoolClient).release,
    }
    ;(release as () => void)()
    await pool.end()
    return outcome
  },
  'connect(cb) on a refused connect answers (error, undefined, a release function)': async (make) => {
    const pool = make({ refused: true })
    const [error, client, release] = await new Promise<unknown[]>((done) =>
      pool.connect((...args: unknown[]) => done(args)),
    )
    await pool.end()
    return { code: (error as { code?: string }).code, client, release: typeof release }
  },
  'query(text, cb) answers (undefined, result), and (error, undefined) for a bad statement': async (make) => {
    const pool = make()
    const ok = await new Promise<unknown[]>((done) => pool.query('SELECT 1 AS one', (...args) => done(args)))
    const bad = await new Promise<unknown[]>((done) => pool.query('SELEC 1', (...args) => done(args)))
    await pool.end()
    return {
      ok: [ok[0], (ok[1] as pg.QueryResult).rows],
      bad: [(bad[0] as { code?: string }).code, bad[1]],
    }
  },
  'query() and connect() promise forms': async (make) => {
    const pool = make()
    const { rows } = await pool.query<{ n: number }>('SELECT $1::int AS n', [7])
    const client = await pool.connect()
    const inTransaction = await client.query('SELECT 2 AS two')
    client.release()
    await pool.end()
    return { rows, two: inTransaction.rows }
  },
  'events come in order: connect, acquire, release, and remove at end': async (make) => {
    const pool = make()
    const seen = recordEvents(pool)
    await pool.query('SELECT 1')
    await pool.query('SELECT 1')
    await endAndDrain(pool, seen)
    return seen
  },
  'totalCount, idleCount and waitingCount': async (make) => {
    const pool = make({ max: 1 })
    const counts = () => [pool.totalCount, pool.idleCount, pool.waitingCount]
    const before = counts()
    const client = await pool.connect()
    const busy = counts()
    const waiting = pool.connect()
    const queued = counts()
    client.release()
    const second = await waiting
    second.release()
    const idle = counts()
    await pool.end()
    return { before, busy, queued, idle }
  },
  'release(error) and release(true) remove the client': async (make) => {
    const pool = make()
    const seen = recordEvents(pool)
    const first = await pool.connect()
    first.release(new Error('broken'))
    const afterError = pool.totalCount
    const second = await pool.connect()
    second.release(true)
    const afterTrue = pool.totalCount
    await pool.end()
    return { afterError, afterTrue, removes: seen.filter((name) => name === 'remove').length }
  },
  'a statement error closes the pooled connection': async (make) => {
    const pool = make()
    const seen = recordEvents(pool)
    await pool.query('SELEC 1').catch(() => undefined)
    const total = pool.totalCount
    await endAndDrain(pool, seen)
    return { total, events: seen }
  },
  'an idle client whose connection the server closes': async (make) => {
    const pool = make()
    const seen = recordEvents(pool)
    await pool.query('SELECT 1')
    const removed = new Promise<void>((done) => pool.once('remove', () => done()))
    emulator.killConnections()
    await removed
    const total = pool.totalCount
    await endAndDrain(pool, seen)
    return { total, events: seen }
  },
  'connectionTimeoutMillis bounds the wait for a free client': async (make) => {
    const pool = make({ max: 1, connectionTimeoutMillis: 300 })
    const client = await pool.connect()
    const error = await pool.connect().then(
      () => undefined,
      (e: unknown) => errorOf(e),
    )
    client.release()
    await pool.end()
    return error
  },
  'maxUses retires a client after that many checkouts': async (make) => {
    const pool = make({ max: 1, maxUses: 2 })
    const seen = recordEvents(pool)
    for (let i = 0; i < 3; i++) await pool.query('SELECT 1')
    await pool.end()
    return { connects: seen.filter((name) => name === 'connect').length }
  },
  'maxLifetimeSeconds removes an idle client once it is old enough': async (make) => {
    const pool = make({ maxLifetimeSeconds: 1 })
    await pool.query('SELECT 1')
    await new Promise<void>((done) => pool.once('remove', () => done()))
    const total = pool.totalCount
    await pool.end()
    return { total }
  },
  'end() while a query is in flight lets it finish, then refuses new work': async (make) => {
    const pool = make()
    const inFlight = pool.query('SELECT 1 AS one')
    const ended = pool.end()
    const result = await inFlight
    await ended
    const after = await pool.query('SELECT 1').then(
      () => 'ran',
      (e: unknown) => errorOf(e),
    )
    const connectAfter = await pool.connect().then(
      () => 'connected',
      (e: unknown) => errorOf(e),
    )
    const again = await pool.end().then(
      () => 'ended',
      (e: unknown) => errorOf(e),
    )
    return { rows: result.rows, after, connectAfter, again }
  },
  'end() while calls wait for a connection': async (make) => {
    const pool = make({ max: 1 })
    const held = await pool.connect()
    const settled = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (error as Error).name,
      )
    const waiting = [settled(pool.query('SELECT 1')), settled(pool.connect())]
    const ended = pool.end()
    held.release()
    await ended
    // Whatever has settled by now was answered by end(); the rest still waits.
    const outcomes = await Promise.all(
      waiting.map((outcome) => Promise.race([outcome, Promise.resolve('pending')])),
    )
    return outcomes
  },
  'a function as the query is refused as pg-pool refuses it': async (make) => {
    const pool = make()
    const refused = (() => {
      try {
        pool.query((() => undefined) as never)
        return 'accepted'
      } catch (error) {
        return errorOf(error)
      }
    })()
    await pool.end()
    return refused
  },
}

/**
 * Scenarios where DsqlPool differs from pg.Pool on purpose, each with what both answer; the
 * README's "Differences from pg.Pool" table gives the reasons.
 */
const DIFFERENCES: Record<string, Record<Kind, unknown>> = {
  // pg-pool leaves calls that wait for a connection pending forever once end() is called;
  // DsqlPool rejects them, saying the pool was ended.
  'end() while calls wait for a connection': {
    'pg.Pool': ['pending', 'pending'],
    DsqlPool: ['PoolEndedError', 'PoolEndedError'],
  },
  // DsqlPool keeps a healthy, idle connection whose statement failed (a DSQL connection costs TLS,
  // a token and a share of the connection rate).
  'a statement error closes the pooled connection': {
    'pg.Pool': { total: 0, events: ['connect', 'acquire', 'release', 'remove'] },
    DsqlPool: { total: 1, events: ['connect', 'acquire', 'release', 'remove'] },
  },
  // DsqlPool reports an idle connection the server closed as a `connection.lost` event, not as a
  // pool 'error' (DSQL closes every connection at 60 minutes: routine, not a crash).
  'an idle client whose connection the server closes': {
    'pg.Pool': { total: 0, events: ['connect', 'acquire', 'release', 'remove', 'error'] },
    DsqlPool: { total: 0, events: ['connect', 'acquire', 'release', 'remove'] },
  },
}

beforeAll(async () => {
  emulator = await startTestEmulator({ regions: ['us-east-1'] })
  const [endpoint] = emulator.endpoints
  if (endpoint === undefined) throw new Error('no endpoint')
  signer = new DsqlSigner({
    hostname: endpoint.host,
    region: endpoint.region,
    credentials: {
      accessKeyId: emulator.credentials.accessKeyId,
      secretAccessKey: emulator.credentials.secretAccessKey,
    },
  })
})

afterAll(async () => {
  await emulator?.stop()
})

describe('the pg-pool contract', () => {
  it.each(Object.keys(scenarios))('%s', async (name) => {
    const scenario = scenarios[name] as Scenario
    const theirs = await scenario((options) => makePool('pg.Pool', options))
    const ours = await scenario((options) => makePool('DsqlPool', options))
    const differs = DIFFERENCES[name]
    if (differs === undefined) {
      expect(ours).toEqual(theirs)
    } else {
      expect(theirs).toEqual(differs['pg.Pool'])
      expect(ours).toEqual(differs.DsqlPool)
    }
  })
})

// What only a process of its own can show: how a throw inside a callback surfaces, and whether a
// pool that was never ended lets the process exit.
const run = promisify(execFile)

/** Runs `body` in a fresh Node with `pool` made by `kind`, the emulator's env, and reports what happened. */
async function inChild(
  kind: Kind,
  poolOptions: string,
  body: string,
): Promise<{ code: number | null; out: string }> {
  const [endpoint] = emulator.endpoints
  const make =
    kind === 'DsqlPool'
      ? `const { DsqlPool } = await import(${JSON.stringify(resolve(root, 'dist/index.js'))})
         const pool = new DsqlPool({ ...${poolOptions}, retry: false })`
      : `const { default: pg } = await import('pg')
         const { DsqlSigner } = await import('@aws-sdk/dsql-signer')
         const signer = new DsqlSigner({ hostname: ${JSON.stringify(endpoint?.host)}, region: process.env.AWS_REGION })
         const pool = new pg.Pool({ host: ${JSON.stringify(endpoint?.address)}, port: ${endpoint?.port}, user: 'admin',
           database: 'postgres', ssl: { ca: fs.readFileSync(process.env.PGSSLROOTCERT, 'utf8'), servername: ${JSON.stringify(endpoint?.host)} },
           password: () => signer.getDbConnectAdminAuthToken(), ...${poolOptions} })`
  const script = `
    import fs from 'node:fs'
    process.on('uncaughtException', (error) => { console.log('uncaughtException:' + error.message); process.exit(3) })
    process.on('unhandledRejection', (error) => { console.log('unhandledRejection:' + error.message); process.exit(4) })
    ${make}
    ${body}
  `
  try {
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], {
      cwd: root,
      env: { ...process.env, ...emulator.env },
      timeout: 45_000,
    })
    return { code: 0, out: stdout.trim() }
  } catch (error) {
    const failed = error as { code?: number | null; signal?: string; stdout?: string }
    return {
      code: failed.code ?? null,
      out: `${failed.stdout?.trim() ?? ''}${failed.signal ? ` ${failed.signal}` : ''}`,
    }
  }
}

describe('the pg-pool contract, in a process of its own', () => {
  it('differs as documented: a checked-out connection that dies, with no error listener, does not end the process', async () => {
    const body = `
      const client = await pool.connect()
      const ended = new Promise((done) => client.once('end', done))
      await fetch(process.env.DSQL_EMULATOR_CONTROL + '/connections/kill', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      await ended
      console.log('survived')
      client.release(true)
      await pool.end()`
    // One after the other: each kills every session of the emulator.
    const theirs = await inChild('pg.Pool', '{}', body)
    const ours = await inChild('DsqlPool', '{}', body)
    expect(theirs).toMatchObject({ code: 3, out: expect.stringMatching(/^uncaughtException:/) })
    expect(ours).toEqual({ code: 0, out: 'survived' })
  })

  it.each([
    [
      'a connect(cb) callback that throws is an uncaught exception, not an unhandled rejection',
      '{}',
      `pool.connect((error, client, release) => { release(); throw new Error('from the callback') })`,
    ],
    [
      'a connect(cb) callback that throws on a connect error is an uncaught exception too',
      '{ port: 1 }',
      `pool.connect(() => { throw new Error('from the error callback') })`,
    ],
    [
      'a query(cb) callback that throws is an uncaught exception',
      '{}',
      `pool.query('SELECT 1', () => { throw new Error('from the query callback') })`,
    ],
    [
      'a pool used and never ended lets the process exit once its clients idle out (default idleTimeoutMillis)',
      '{}',
      `await pool.query('SELECT 1'); console.log('queried')`,
    ],
    [
      'allowExitOnIdle lets the process exit while an idle client is still open',
      '{ allowExitOnIdle: true, idleTimeoutMillis: 600000 }',
      `await pool.query('SELECT 1'); console.log('queried')`,
    ],
  ])('%s', async (_name, options, body) => {
    const dsqlOptions =
      options === '{ port: 1 }'
        ? `{ endpoints: process.env.DSQL_ENDPOINTS.replace(/:\\d+$/, ':1') }`
        : options
    const [theirs, ours] = await Promise.all([
      inChild('pg.Pool', options, body),
      inChild('DsqlPool', dsqlOptions, body),
    ])
    expect(theirs.code === 0 || theirs.out.startsWith('uncaughtException')).toBe(true)
    expect(ours).toEqual(theirs)
  })
})

/**
 * A runner in a process of its own, for the crash tests, on a plain `pg.Pool` (no pg-dsql):
 * APPLY_CHILD_CONNECTION holds the emulator's address, port, TLS name and CA, and a token
 * signed for it. When APPLY_CHILD_KILL_AT is `{ "type": "<event type>", "nth": n }`, it sends
 * itself SIGKILL from the n-th event of that type: mid-run, at an exact point, with no cleanup
 * (no ROLLBACK, no lock release, the socket cut). Bundled by run-child.ts.
 */
import pg from 'pg'
import { apply } from '../../../../src/index.js'
import { SAMPLE_MIGRATIONS } from './sample-migrations.js'

interface ChildConnection {
  readonly host: string
  readonly address: string
  readonly port: number
  readonly ca: string
  readonly token: string
}

const connection = JSON.parse(String(process.env.APPLY_CHILD_CONNECTION)) as ChildConnection
const killAt =
  process.env.APPLY_CHILD_KILL_AT === undefined ? undefined : JSON.parse(process.env.APPLY_CHILD_KILL_AT)
const pool = new pg.Pool({
  host: connection.address,
  port: connection.port,
  user: 'admin',
  database: 'postgres',
  password: connection.token,
  ssl: { ca: connection.ca, servername: connection.host },
  max: 3,
})
let seen = 0
try {
  const result = await apply({
    pool,
    migrations: SAMPLE_MIGRATIONS,
    lock: { holderId: process.env.APPLY_CHILD_HOLDER ?? 'child' },
    onEvent: (event) => {
      if (killAt !== undefined && event.type === killAt.type && ++seen === killAt.nth)
        process.kill(process.pid, 'SIGKILL')
    },
  })
  process.stdout.write(`${JSON.stringify(result)}\n`)
} finally {
  await pool.end()
}

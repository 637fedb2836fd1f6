import { readFileSync } from 'node:fs'
import pg from 'pg'
import { DsqlPool, type DsqlPoolConfig } from 'pg-dsql'
import { type Emulator, type EmulatorOptions, startEmulator } from 'pg-dsql-emulator'
import { inject } from 'vitest'

/** An emulator over a database of its own, and the pools a test opened on it. */
export interface MigrateTestDsql {
  readonly emulator: Emulator
  /** A DsqlPool on the emulator, signed in as admin; ended by `stop()`. */
  pool(extra?: DsqlPoolConfig): DsqlPool
  /** Ends the pools, stops the emulator and drops the database. */
  stop(): Promise<void>
}

let databases = 0

/**
 * Starts an emulator over a fresh database of the shared embedded PostgreSQL, so each test (or
 * file) starts from an empty schema, the way a new DSQL cluster does:
 *
 *   const dsql = await startMigrateTestDsql()      // in beforeAll or at the top of a test
 *   await apply({ pool: dsql.pool(), migrations })
 *   await dsql.stop()
 */
export async function startMigrateTestDsql(
  options: Omit<EmulatorOptions, 'backend'> = {},
): Promise<MigrateTestDsql> {
  const database = `migrate_${process.pid}_${++databases}_${Date.now().toString(36)}`
  const superuser = new pg.Client({ connectionString: inject('backendUrl') })
  await superuser.connect()
  try {
    await superuser.query(`CREATE DATABASE ${database}`)
  } finally {
    await superuser.end()
  }
  const url = new URL(inject('backendUrl'))
  url.pathname = `/${database}`
  const emulator = await startEmulator({ regions: ['us-east-1'], ...options, backend: url.href })
  const pools: DsqlPool[] = []
  return {
    emulator,
    pool(extra = {}) {
      const pool = new DsqlPool({
        endpoints: emulator.env.DSQL_ENDPOINTS,
        credentials: {
          accessKeyId: emulator.credentials.accessKeyId,
          secretAccessKey: emulator.credentials.secretAccessKey,
        },
        ssl: { ca: readFileSync(emulator.caCertPath, 'utf8') },
        ...extra,
      })
      pools.push(pool)
      return pool
    },
    async stop() {
      await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)))
      await emulator.stop()
      const cleanup = new pg.Client({ connectionString: inject('backendUrl') })
      await cleanup.connect()
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      } finally {
        await cleanup.end()
      }
    },
  }
}

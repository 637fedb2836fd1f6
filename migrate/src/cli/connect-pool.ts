import type { MigratePool } from '../apply/index.js'
import { CliUnavailableError } from './exit-codes.js'

/** A pool the command opens and must end. */
export type CliPool = MigratePool & { end(): Promise<void> }

/** The part of pg-dsql the command uses: its public entry's DsqlPool. */
interface DsqlModule {
  readonly DsqlPool: new (config?: { max?: number }) => CliPool
}

/**
 * A DsqlPool configured as pg-dsql configures itself, from the environment (`DSQL_ENDPOINTS`,
 * `AWS_REGION`, AWS credentials, `PGSSLROOTCERT`, `PGUSER` …): the command takes no connection
 * flags, so a deploy sets the same variables for the app and for its migrations. pg-dsql is an
 * optional peer, loaded only here.
 */
export async function connectPool(): Promise<CliPool> {
  let driver: DsqlModule
  try {
    driver = (await import('pg-dsql')) as unknown as DsqlModule
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CliUnavailableError(
        'apply and status connect through pg-dsql, which is not installed: run "npm install pg-dsql" next to pg-dsql-migrate.',
      )
    }
    throw error
  }
  try {
    // Three connections: the runner's session, the lock's renewals, a spare for retries.
    return new driver.DsqlPool({ max: 3 })
  } catch (error) {
    throw new CliUnavailableError(
      `pg-dsql refused its configuration: ${(error as Error).message} The command reads the same environment variables as pg-dsql (DSQL_ENDPOINTS, AWS_REGION, AWS credentials).`,
    )
  }
}

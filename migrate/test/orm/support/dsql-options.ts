import { readFileSync } from 'node:fs'
import type { DsqlPoolConfig } from 'pg-dsql'
import type { MigrateTestDsql } from '../../support/emulator.js'

/**
 * The options `dsql.pool()` builds its DsqlPool from, for ORMs that build their own pool or
 * clients from a config (TypeORM's `driver`, Sequelize's `dialectModule`, MikroORM's Client).
 */
export function dsqlOptions(dsql: MigrateTestDsql): DsqlPoolConfig {
  return {
    endpoints: dsql.emulator.env.DSQL_ENDPOINTS,
    credentials: {
      accessKeyId: dsql.emulator.credentials.accessKeyId,
      secretAccessKey: dsql.emulator.credentials.secretAccessKey,
    },
    ssl: { ca: readFileSync(dsql.emulator.caCertPath, 'utf8') },
  }
}

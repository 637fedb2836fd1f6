export type { DsqlPgModule } from './create-dsql-pg.js'
export { createDsqlPg, dsqlPg } from './create-dsql-pg.js'
export { DsqlClient } from './dsql-client.js'
export { DsqlPool } from './dsql-pool.js'

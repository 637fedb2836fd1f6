export { DsqlPool } from './dsql-pool.js'

export { DsqlConfigError } from './dsql-config-error.js'
export type { DsqlErrorOptions } from './dsql-error.js'
export { DsqlError } from './dsql-error.js'

export { DsqlConfigError, DsqlError } from './errors/index.js'
export { DsqlPool } from './pool/index.js'
export { VERSION } from './version.js'

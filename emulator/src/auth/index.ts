export { createCertificates } from './certificates.js'
export { type DsqlAction, type TokenPrincipal, verifyDsqlToken } from './token-verifier.js'

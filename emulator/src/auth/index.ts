export { type Certificates, createCertificates } from './certificates.js'
export { EMULATOR_ACCOUNT_ID, type EmulatorIdentity, issueEmulatorIdentity } from './emulator-credentials.js'
export { type DsqlAction, type TokenPrincipal, verifyDsqlToken } from './token-verifier.js'

// Pool options for the trusted backend (trusted-backend.mjs): pg.Pool straight to it, and DsqlPool
// as to a cluster, with an endpoint name, no TLS and IAM tokens the backend never checks. One
// place, so every benchmark's DsqlPool is configured alike.

/** The DSQL endpoint name DsqlPool signs for; it connects to 127.0.0.1 and the backend's port. */
export const TRUSTED_HOST = 'benchbenchbenchbenchbenchb.dsql.us-east-1.on.aws'

/** Static credentials to sign with (the backend trusts loopback and ignores the token). */
export const TRUSTED_CREDENTIALS = Object.freeze({
  accessKeyId: 'AKIDBENCHMARK',
  secretAccessKey: 'benchmark-secret',
})

const common = (max) => ({ max, user: 'postgres', database: 'postgres' })

/** pg.Pool options for the trusted backend at `port`. */
export function pgPoolOptions(port, max = 16) {
  return { ...common(max), host: '127.0.0.1', port }
}

/** DsqlPool options for the trusted backend at `port`. */
export function dsqlPoolOptions(port, max = 16) {
  return {
    ...common(max),
    endpoints: `${TRUSTED_HOST}@127.0.0.1:${port}`,
    ssl: false,
    credentials: TRUSTED_CREDENTIALS,
  }
}

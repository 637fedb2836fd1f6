import { readFileSync } from 'node:fs'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import type { Emulator, EmulatorCredentials, EmulatorEndpoint } from '../../src/index.js'

/** Options of `signToken` and `clientConfig`. */
export interface TokenOptions {
  /** The endpoint's Region; default the emulator's first. */
  region?: string
  /** The database user; `admin` signs DbConnectAdmin, others DbConnect. */
  user?: string
  /** Sign the other action than the user needs. */
  action?: 'DbConnect' | 'DbConnectAdmin'
  /** Sign for this host instead of the endpoint's. */
  host?: string
  /** Sign for this Region (credential scope) instead of the endpoint's. */
  signingRegion?: string
  credentials?: EmulatorCredentials & { sessionToken?: string }
  expiresInSec?: number
}

export function endpointOf(emulator: Emulator, region?: string): EmulatorEndpoint {
  const endpoint =
    region === undefined ? emulator.endpoints[0] : emulator.endpoints.find((e) => e.region === region)
  if (endpoint === undefined) throw new Error(`the emulator has no endpoint in ${region}`)
  return endpoint
}

/** A token from the real AWS signer (@aws-sdk/dsql-signer), as an app would make it. */
export function signToken(emulator: Emulator, options: TokenOptions = {}): Promise<string> {
  const endpoint = endpointOf(emulator, options.region)
  const user = options.user ?? 'admin'
  const action = options.action ?? (user === 'admin' ? 'DbConnectAdmin' : 'DbConnect')
  const credentials: EmulatorCredentials & { sessionToken?: string } =
    options.credentials ?? emulator.credentials
  const signer = new DsqlSigner({
    hostname: options.host ?? endpoint.host,
    region: options.signingRegion ?? endpoint.region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
    },
    ...(options.expiresInSec === undefined ? {} : { expiresIn: options.expiresInSec }),
  })
  return action === 'DbConnectAdmin' ? signer.getDbConnectAdminAuthToken() : signer.getDbConnectAuthToken()
}

/**
 * A plain pg.Client config for an emulator endpoint: TCP to its address, TLS verified against
 * the emulator's CA for the endpoint host (SNI), and a fresh token as the password.
 */
export function clientConfig(
  emulator: Emulator,
  options: TokenOptions & pg.ClientConfig = {},
): pg.ClientConfig {
  const endpoint = endpointOf(emulator, options.region)
  const {
    region: _r,
    action: _a,
    host: _h,
    signingRegion: _s,
    credentials: _c,
    expiresInSec: _e,
    ...pgOptions
  } = options
  return {
    host: endpoint.address,
    port: endpoint.port,
    user: options.user ?? 'admin',
    database: 'postgres',
    ssl: { ca: readFileSync(emulator.caCertPath, 'utf8'), servername: endpoint.host },
    password: () => signToken(emulator, options),
    ...pgOptions,
  }
}

/** Connects a pg.Client (see `clientConfig`); its errors after connect are collected, not thrown. */
export async function connectClient(
  emulator: Emulator,
  options: TokenOptions & pg.ClientConfig = {},
): Promise<pg.Client & { errors: Error[] }> {
  const client = Object.assign(new pg.Client(clientConfig(emulator, options)), { errors: [] as Error[] })
  client.on('error', (error) => client.errors.push(error))
  await client.connect()
  return client
}

/** Tries to connect and returns the error; fails the test when the connection works. */
export async function connectError(
  emulator: Emulator,
  options: TokenOptions & pg.ClientConfig = {},
): Promise<Error & { code?: string; severity?: string; hint?: string }> {
  const client = new pg.Client(clientConfig(emulator, options))
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (error) {
    return error as Error
  } finally {
    await client.end().catch(() => undefined)
  }
  throw new Error('the connection was accepted')
}

import type { ControlOperations } from './control/index.js'

/** One Region's endpoint. Connect TCP to `address:port`; use `host` for TLS (SNI) and the token. */
export interface EmulatorEndpoint {
  readonly region: string
  /** `<26 lowercase alphanumerics>.dsql.<region>.on.aws`, as a real cluster's endpoint looks. */
  readonly host: string
  readonly address: string
  readonly port: number
}

/**
 * Long-term credentials whose tokens the emulator accepts. `secretAccessKey` is not enumerable
 * (it stays out of logs and `util.inspect`); pass the object itself to a signer.
 */
export interface EmulatorCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** The principal these credentials belong to: `AWS IAM GRANT role TO '<arn>'` maps it. */
  readonly arn: string
  readonly accountId: string
}

/** Temporary credentials (with a session token) for the same principal. */
export interface EmulatorTemporaryCredentials extends EmulatorCredentials {
  readonly sessionToken: string
  readonly expiration: Date
}

/** A running emulator: one endpoint per Region, over one PostgreSQL database. */
export interface Emulator extends ControlOperations {
  readonly endpoints: readonly EmulatorEndpoint[]
  /** The peered Regions, first one first. */
  readonly regions: readonly string[]
  /** The witness Region of a two-Region cluster (no endpoint). */
  readonly witnessRegion: string | undefined
  /**
   * What a client needs, as environment variables: `DSQL_ENDPOINTS` (`host@address:port`, one
   * per Region), `AWS_REGION` (the first Region), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`;
   * for libpq-style clients in any language, the first Region's `PGHOST` (the endpoint host, for
   * TLS and the token), `PGHOSTADDR` and `PGPORT` (where TCP goes), `PGSSLMODE=verify-full`,
   * `PGSSLROOTCERT`; `PGUSER=admin`, `PGDATABASE=postgres` and `DSQL_EMULATOR_CONTROL`.
   * Not enumerable: it holds the secret access key.
   */
  readonly env: Readonly<Record<string, string>>
  readonly credentials: EmulatorCredentials
  readonly temporaryCredentials: EmulatorTemporaryCredentials
  /** The CA certificate (PEM) that signed the endpoints' certificate: `PGSSLROOTCERT` or `ssl.ca`. */
  readonly caCertPath: string
  /** The control API's base URL (HTTP, loopback only). */
  readonly controlUrl: string
  /** Closes everything: endpoints, sessions, the control API, the embedded backend, temp files. */
  stop(): Promise<void>
}

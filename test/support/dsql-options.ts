import { readFileSync } from 'node:fs'
import type { DsqlPoolConfig } from '../../src/index.js'

/** The emulator fields the driver tests use. */
export interface EmulatorLike {
  readonly env: Readonly<Record<string, string>>
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly caCertPath: string
}

/**
 * Pool options for an emulator, spelled out the way an app would pass them: the endpoints from
 * its DSQL_ENDPOINTS, its credentials, its CA for verify-full TLS.
 */
export function optionsFor(emulator: EmulatorLike, extra: DsqlPoolConfig = {}): DsqlPoolConfig {
  return {
    endpoints: emulator.env.DSQL_ENDPOINTS,
    credentials: {
      accessKeyId: emulator.credentials.accessKeyId,
      secretAccessKey: emulator.credentials.secretAccessKey,
    },
    ssl: { ca: readFileSync(emulator.caCertPath, 'utf8') },
    ...extra,
  }
}

/** Resolves with the first event of `type` that `collected` receives. */
export function nextEvent<T extends { type: string }>(
  collected: T[],
  type: string,
  timeoutMs = 20_000,
): Promise<T> {
  const seen = collected.length
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = setInterval(() => {
      const found = collected.slice(seen).find((event) => event.type === type)
      if (found !== undefined) {
        clearInterval(poll)
        resolve(found)
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll)
        reject(new Error(`no ${type} event within ${timeoutMs} ms`))
      }
    }, 20)
  })
}

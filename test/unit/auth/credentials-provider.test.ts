import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCredentialsProvider, FAILURE_HOLD_MS } from '../../../src/auth/index.js'
import type { DsqlCredentials } from '../../../src/config/index.js'
import { DsqlCredentialsError } from '../../../src/errors/index.js'

describe('createCredentialsProvider', () => {
  const saved: Record<string, string | undefined> = {}
  const vars = [
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_CONFIG_FILE',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_EC2_METADATA_DISABLED',
  ]

  beforeAll(() => {
    // This file runs in its own worker process, so pointing the SDK at temporary files is contained.
    for (const name of vars) saved[name] = process.env[name]
    const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-aws-'))
    const credentialsFile = join(dir, 'credentials')
    writeFileSync(
      credentialsFile,
      '[default]\naws_access_key_id = AKIADEFAULT000000000\naws_secret_access_key = defaultsecret\n\n' +
        '[p1]\naws_access_key_id = AKIAPROFILE100000000\naws_secret_access_key = p1secret\n',
    )
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentialsFile
    process.env.AWS_CONFIG_FILE = join(dir, 'config')
    process.env.AWS_EC2_METADATA_DISABLED = 'true'
    delete process.env.AWS_PROFILE
    delete process.env.AWS_ACCESS_KEY_ID
    delete process.env.AWS_SECRET_ACCESS_KEY
  })

  afterAll(() => {
    for (const name of vars) {
      if (saved[name] === undefined) delete process.env[name]
      else process.env[name] = saved[name]
    }
  })

  it('really selects the named profile', async () => {
    const provider = createCredentialsProvider({ kind: 'profile', profile: 'p1', from: 'profile' })
    expect((await provider()).accessKeyId).toBe('AKIAPROFILE100000000')
  })

  it('uses the default profile through the default chain', async () => {
    const provider = createCredentialsProvider({ kind: 'default' })
    expect((await provider()).accessKeyId).toBe('AKIADEFAULT000000000')
  })

  it('names the profile that failed and never a secret', async () => {
    const provider = createCredentialsProvider({ kind: 'profile', profile: 'missing', from: 'AWS_PROFILE' })
    const error = await provider().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DsqlCredentialsError)
    expect((error as DsqlCredentialsError).code).toBe('ERR_DSQL_CREDENTIALS')
    expect((error as Error).message).toContain('profile "missing" (from AWS_PROFILE)')
    expect((error as Error).message).not.toMatch(/defaultsecret|p1secret/)
  })

  it('memoizes a provider until its credentials near expiry, one fetch at a time', async () => {
    let now = 1_000_000
    let calls = 0
    const provider = createCredentialsProvider(
      {
        kind: 'provider',
        provider: async (): Promise<DsqlCredentials> => {
          calls++
          return { accessKeyId: `A${calls}`, secretAccessKey: 's', expiration: new Date(now + 10 * 60_000) }
        },
      },
      { now: () => now },
    )
    const first = await Promise.all([provider(), provider(), provider()])
    expect(first.map((identity) => identity.accessKeyId)).toEqual(['A1', 'A1', 'A1'])
    now += 4 * 60_000
    expect((await provider()).accessKeyId).toBe('A1')
    now += 2 * 60_000
    expect((await provider()).accessKeyId).toBe('A2')
    expect(calls).toBe(2)
  })

  it('keeps no secret of a failing provider on the cause chain, even for util.inspect', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY00'
    const inner = Object.assign(new Error(`token endpoint said ${secret}`), {
      code: 'CredentialsProviderError',
    })
    const provider = createCredentialsProvider({
      kind: 'provider',
      provider: async () => {
        throw Object.assign(new Error(`refused: ${secret}`, { cause: inner }), {
          name: 'ProviderError',
          code: 'E_PROVIDER',
        })
      },
    })
    const error = await provider().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DsqlCredentialsError)
    expect(inspect(error, { depth: null })).not.toContain(secret)
    expect((error as Error).cause).toMatchObject({ name: 'ProviderError', code: 'E_PROVIDER' })
  })

  it('asks a failing source again only after a pause, and recovers when it does', async () => {
    let now = 1_000_000
    let calls = 0
    let working = false
    const provider = createCredentialsProvider(
      {
        kind: 'provider',
        provider: async () => {
          calls++
          if (!working) throw new Error('source down')
          return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
        },
      },
      { now: () => now },
    )
    for (let i = 0; i < 5; i++) await expect(provider()).rejects.toBeInstanceOf(DsqlCredentialsError)
    expect(calls).toBe(1)
    working = true
    now += FAILURE_HOLD_MS
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'AKIDEXAMPLE' })
    expect(calls).toBe(2)
  })

  it('rejects a provider that resolves to something else than credentials', async () => {
    const provider = createCredentialsProvider({
      kind: 'provider',
      provider: async () => ({}) as DsqlCredentials,
    })
    await expect(provider()).rejects.toThrow(/not AWS credentials/)
  })
})

import { describe, expect, it } from 'vitest'
import { EmulatorOptionError } from '../../src/emulator-error.js'
import { type EmulatorOptions, resolveEmulatorOptions } from '../../src/emulator-options.js'

describe('resolveEmulatorOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveEmulatorOptions()).toEqual({
      regions: ['us-east-1', 'us-east-2'],
      witnessRegion: 'us-west-2',
      backend: { kind: 'embedded' },
      host: '127.0.0.1',
      port: 0,
      maxConnectionAgeSec: 3600,
      maxConnections: 10_000,
      connectRate: { perSec: 100, burst: 1000 },
      tokenClockSkewSec: 60,
      latencyMs: { 'us-east-1': 0, 'us-east-2': 0 },
      interRegionRttMs: 0,
      profile: '2026',
      maxTransactionRows: 3000,
      maxTransactionBytes: 10 * 1024 * 1024,
      maxTransactionAgeSec: 300,
    })
  })

  it.each([
    [{ regions: ['eu-west-1', 'eu-central-1'] }, 'eu-west-2'],
    [{ regions: ['ap-northeast-1', 'ap-northeast-3'] }, 'ap-northeast-2'],
    [{ regions: ['us-east-2', 'us-west-2'] }, 'us-east-1'],
    [{ regions: ['us-east-1'] }, undefined],
  ])('picks the witness of %j', (options, witness) => {
    expect(resolveEmulatorOptions(options).witnessRegion).toBe(witness)
  })

  it('takes latency for one Region and keeps the others at 0', () => {
    expect(resolveEmulatorOptions({ latencyMs: { 'us-east-2': 40 } }).latencyMs).toEqual({
      'us-east-1': 0,
      'us-east-2': 40,
    })
  })

  it('keeps a backend URL', () => {
    expect(resolveEmulatorOptions({ backend: 'postgres://u:p@h:1/db' }).backend).toEqual({
      kind: 'url',
      url: 'postgres://u:p@h:1/db',
    })
  })

  it.each([
    ['regions', { regions: ['us-east-1', 'eu-west-1'] }, /only within one Region set/],
    ['regions', { regions: ['us-east-1', 'us-east-1'] }, /twice/],
    ['regions', { regions: ['mars-north-1'] }, /not a DSQL multi-Region Region/],
    ['regions', { regions: [] }, /one or two Regions/],
    ['regions', { regions: ['us-east-1', 'us-east-2', 'us-west-2'] }, /one or two Regions/],
    ['witnessRegion', { witnessRegion: 'us-east-1' }, /other than the peered Regions/],
    ['witnessRegion', { regions: ['us-east-1'], witnessRegion: 'us-west-2' }, /only to two peered Regions/],
    ['backend', { backend: 'mysql://x' }, /'embedded' or a postgres:\/\/ URL/],
    ['port', { port: -1 }, /integer port/],
    ['port', { port: 65535 }, /consecutive ports/],
    ['maxConnectionAgeSec', { maxConnectionAgeSec: 0 }, /more than 0/],
    ['maxConnections', { maxConnections: 1.5 }, /positive integer/],
    ['connectRate.perSec', { connectRate: { perSec: 0 } }, /more than 0/],
    ['connectRate.burst', { connectRate: { burst: 0 } }, /positive integer/],
    ['tokenClockSkewSec', { tokenClockSkewSec: -1 }, /0 or more/],
    ['latencyMs', { latencyMs: { 'eu-west-1': 5 } }, /has no endpoint/],
    ['latencyMs.us-east-1', { latencyMs: { 'us-east-1': -5 } }, /0 or more/],
    ['interRegionRttMs', { interRegionRttMs: Number.NaN }, /0 or more/],
    ['profile', { profile: '2024' }, /'2026', 'late-2025'/],
    ['maxTransactionRows', { maxTransactionRows: 0 }, /positive integer/],
    ['maxTransactionBytes', { maxTransactionBytes: 1.5 }, /bytes, a positive integer/],
    ['maxTransactionAgeSec', { maxTransactionAgeSec: 0 }, /more than 0/],
    ['maxAgeSec', { maxAgeSec: 5 }, /not an emulator option/],
  ])('rejects a bad %s and names it', (option, input, message) => {
    let error: unknown
    try {
      resolveEmulatorOptions(input as EmulatorOptions)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(EmulatorOptionError)
    expect(error).toMatchObject({
      option,
      code: 'ERR_DSQL_EMULATOR_OPTION',
      message: expect.stringMatching(message),
    })
    expect((error as Error).message).toContain(option)
  })

  it('never echoes a backend URL, which may hold a password', () => {
    expect(() => resolveEmulatorOptions({ backend: 'mysql://user:hunter2@h/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    )
  })
})

import { describe, expect, it } from 'vitest'
import {
  checkFault,
  checkIsolation,
  checkKillOptions,
  checkLatencyMs,
} from '../../../src/control/control-requests.js'

const regions = ['us-east-1', 'us-east-2']

describe('control requests', () => {
  it('defaults isolation to refuse and drop', () => {
    expect(checkIsolation()).toEqual({ mode: 'refuse', existing: 'drop' })
  })

  it('accepts a full fault spec', () => {
    expect(
      checkFault({ kind: 'commit-ambiguous', region: 'us-east-2', count: 2, reply: 'drop' }, regions),
    ).toEqual({
      kind: 'commit-ambiguous',
      region: 'us-east-2',
      count: 2,
      reply: 'drop',
    })
  })

  it.each([
    ['kind', () => checkFault({ kind: 'boom' }, regions)],
    ['region', () => checkFault({ kind: 'occ', region: 'eu-west-1' }, regions)],
    ['count', () => checkFault({ kind: 'occ', count: 0 }, regions)],
    ['probability', () => checkFault({ kind: 'occ', probability: 1.5 }, regions)],
    ['reply', () => checkFault({ kind: 'occ', reply: 'drop' }, regions)],
    ['fault', () => checkFault({ kind: 'occ', when: 'later' }, regions)],
    ['fault', () => checkFault('occ', regions)],
    ['mode', () => checkIsolation({ mode: 'partition' })],
    ['existing', () => checkIsolation({ existing: 'keep' })],
    ['latencyMs', () => checkLatencyMs(-1)],
    ['region', () => checkKillOptions({ region: 'nowhere' }, regions)],
  ])('rejects a bad %s, naming it', (option, call) => {
    expect(call).toThrow(expect.objectContaining({ option, code: 'ERR_DSQL_EMULATOR_OPTION' }))
  })
})

import { describe, expect, it } from 'vitest'
import { EmulatorOptionError, EmulatorStartError } from '../../../src/emulator-error.js'
import { listenError } from '../../../src/endpoint/listen-error.js'

const failure = (code: string) => Object.assign(new Error(`listen ${code} 127.0.0.1:5432`), { code })

describe('listenError', () => {
  it.each([
    ['EADDRINUSE', EmulatorOptionError, { option: 'port' }, /Pick another port, or 0 for free ports\.$/],
    ['EACCES', EmulatorOptionError, { option: 'port' }, /ports below 1024 need privileges/],
    ['EADDRNOTAVAIL', EmulatorOptionError, { option: 'host' }, /Use an address of this machine/],
    ['EMFILE', EmulatorStartError, { step: 'listen' }, /^The emulator did not start: /],
  ] as const)('explains %s and names what to change', (code, klass, fields, fix) => {
    const cause = failure(code)
    const error = listenError(cause, 'us-east-1', '127.0.0.1', 5432)
    expect(error).toBeInstanceOf(klass)
    expect(error).toMatchObject({ ...fields, cause })
    expect(error.message).toContain(`us-east-1's endpoint cannot listen on 127.0.0.1:5432 (listen ${code}`)
    expect(error.message).toMatch(fix)
  })
})

import { describe, expect, it, vi } from 'vitest'
import { BackendConnectError } from '../../src/backend/backend-connection.js'
import {
  EMULATOR_ERROR_CODES,
  EmulatorBackendError,
  EmulatorError,
  EmulatorOptionError,
  EmulatorStartError,
} from '../../src/emulator-error.js'
import { HandshakeAbort } from '../../src/session/packet-reader.js'

type AnyErrorClass = abstract new (...args: never[]) => EmulatorError

/** The same classes from a second copy of the modules, as when ESM and CJS builds meet. */
async function secondCopy(): Promise<Record<string, AnyErrorClass>> {
  vi.resetModules()
  const errors = await import('../../src/emulator-error.js')
  const { BackendConnectError: connect } = await import('../../src/backend/backend-connection.js')
  const { HandshakeAbort: abort } = await import('../../src/session/packet-reader.js')
  return { ...errors, BackendConnectError: connect, HandshakeAbort: abort } as unknown as Record<
    string,
    AnyErrorClass
  >
}

const cause = new Error('the underlying failure')
const rows = [
  [
    'EmulatorError',
    EmulatorError,
    new EmulatorError('m', 'ERR_DSQL_EMULATOR_START', { cause }),
    'ERR_DSQL_EMULATOR_START',
  ],
  [
    'EmulatorOptionError',
    EmulatorOptionError,
    new EmulatorOptionError('m', { option: 'port', cause }),
    'ERR_DSQL_EMULATOR_OPTION',
  ],
  [
    'EmulatorBackendError',
    EmulatorBackendError,
    new EmulatorBackendError('m', { cause }),
    'ERR_DSQL_EMULATOR_BACKEND',
  ],
  [
    'EmulatorStartError',
    EmulatorStartError,
    new EmulatorStartError('m', { step: 'listen', cause }),
    'ERR_DSQL_EMULATOR_START',
  ],
  ['HandshakeAbort', HandshakeAbort, new HandshakeAbort('m'), 'ERR_DSQL_EMULATOR_HANDSHAKE'],
  [
    'BackendConnectError',
    BackendConnectError,
    new BackendConnectError('m', undefined, cause),
    'ERR_DSQL_EMULATOR_BACKEND_CONNECT',
  ],
] as const

describe('emulator errors', () => {
  it.each(rows)(
    '%s has its literal name, its own code and the cause it was given',
    (name, klass, error, code) => {
      expect(error.name).toBe(name)
      expect(error.code).toBe(code)
      expect(EMULATOR_ERROR_CODES).toContain(code)
      expect(error).toBeInstanceOf(klass)
      expect(error).toBeInstanceOf(EmulatorError)
      expect(error).toBeInstanceOf(Error)
      expect(error.message).toBe('m')
      if (name !== 'HandshakeAbort') expect(error.cause).toBe(cause)
    },
  )

  it.each(rows)(
    '%s is recognized by its brand in a second copy of the package, and by no sibling',
    async (name, _klass, error) => {
      const copy = await secondCopy()
      expect(copy[name]).not.toBe(_klass)
      expect(error).toBeInstanceOf(copy[name]!)
      expect(error).toBeInstanceOf(copy.EmulatorError!)
      for (const [other] of rows) {
        if (other !== name && other !== 'EmulatorError') expect(error instanceof copy[other]!).toBe(false)
      }
    },
  )

  it('gives every code to one class only, and keeps structured fields a program can act on', () => {
    const codes = rows.filter(([name]) => name !== 'EmulatorError').map(([, , , code]) => code)
    expect(new Set(codes).size).toBe(codes.length)
    expect(new EmulatorOptionError('m', { option: 'regions' }).option).toBe('regions')
    expect(new EmulatorBackendError('m').option).toBe('backend')
    expect(new EmulatorStartError('m', { step: 'certificates' }).step).toBe('certificates')
    const fields = { severity: 'FATAL', code: '28P01', message: 'password authentication failed' }
    expect(new BackendConnectError('m', fields).fields).toEqual(fields)
  })

  it('leaves plain objects and other errors out', () => {
    expect({ code: 'ERR_DSQL_EMULATOR_OPTION' }).not.toBeInstanceOf(EmulatorError)
    expect(new Error('m')).not.toBeInstanceOf(EmulatorError)
    expect((null as unknown as object) instanceof EmulatorError).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { cancelRequest, sslRequest, startupMessage } from '../../../src/wire/frontend-messages.js'
import { isValidStartupLength, parseStartupPacket } from '../../../src/wire/startup-packet.js'

function packet(code: number, rest: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(8 + rest.length)
  out.writeUInt32BE(out.length, 0)
  out.writeUInt32BE(code, 4)
  rest.copy(out, 8)
  return out
}

describe('parseStartupPacket', () => {
  it('reads the parameters of a StartupMessage', () => {
    const parsed = parseStartupPacket(
      startupMessage(
        new Map([
          ['user', 'admin'],
          ['database', 'postgres'],
        ]),
      ),
    )
    expect(parsed).toEqual({
      kind: 'startup',
      majorVersion: 3,
      minorVersion: 0,
      parameters: new Map([
        ['user', 'admin'],
        ['database', 'postgres'],
      ]),
    })
  })

  it.each([
    ['SSLRequest', sslRequest(), { kind: 'ssl' }],
    ['GSSENCRequest', packet(80877104), { kind: 'gssenc' }],
    ['CancelRequest', cancelRequest(42, 7), { kind: 'cancel', processId: 42, secretKey: 7 }],
  ])('recognizes a %s', (_name, bytes, expected) => {
    expect(parseStartupPacket(bytes)).toEqual(expected)
  })

  it.each([
    ['protocol 2', packet(0x00020000, Buffer.from('user\0a\0\0'))],
    ['no terminator', packet(196608, Buffer.from('user\0admin\0'))],
    ['a key without a value', packet(196608, Buffer.from('user\0'))],
    ['an empty key', packet(196608, Buffer.from('\0x\0\0'))],
    ['an SSLRequest with a body', packet(80877103, Buffer.from('junk'))],
  ])('refuses %s', (_name, bytes) => {
    expect(parseStartupPacket(bytes).kind).toBe('invalid')
  })

  it.each([
    [7, false],
    [8, true],
    [10_000, true],
    [10_001, false],
  ])('takes length %i as valid: %s', (length, valid) => {
    expect(isValidStartupLength(length)).toBe(valid)
  })
})

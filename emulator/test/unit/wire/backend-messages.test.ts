import { describe, expect, it } from 'vitest'
import {
  commandComplete,
  errorResponse,
  parameterStatus,
  parseCommandTag,
  parseErrorFields,
  parseParameterStatus,
  parseReadyStatus,
  readyForQuery,
} from '../../../src/wire/backend-messages.js'

describe('backend messages', () => {
  it.each([
    [
      {
        severity: 'FATAL',
        code: '08006',
        message: 'unable to accept connection, access denied',
        hint: 'Signature expired: x',
      },
    ],
    [{ severity: 'ERROR', code: '40001', message: 'change conflicts with another transaction (OC000)' }],
    [{ severity: 'ERROR', code: 'XX000', message: 'server unavailable', detail: 'd' }],
  ])('writes and reads back an ErrorResponse %#', (fields) => {
    const bytes = errorResponse(fields)
    expect(bytes[0]).toBe(0x45)
    expect(bytes.readUInt32BE(1)).toBe(bytes.length - 1)
    expect(parseErrorFields(bytes.subarray(5))).toEqual(fields)
  })

  it('writes a CommandComplete, a ParameterStatus and a ReadyForQuery', () => {
    expect(parseCommandTag(commandComplete('AWS IAM GRANT').subarray(5))).toBe('AWS IAM GRANT')
    expect(parseParameterStatus(parameterStatus('server_version', '16.15').subarray(5))).toEqual([
      'server_version',
      '16.15',
    ])
    expect(parseReadyStatus(readyForQuery('E').subarray(5))).toBe('E')
  })
})

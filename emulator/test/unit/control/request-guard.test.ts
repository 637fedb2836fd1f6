import { describe, expect, it } from 'vitest'
import { guardRequest } from '../../../src/control/request-guard.js'

const PORT = 40557
const own = { host: `127.0.0.1:${PORT}` }

describe('guardRequest', () => {
  it.each([
    ['a GET with no body', { ...own }],
    ['a JSON body', { ...own, 'content-type': 'application/json', 'content-length': '2' }],
    [
      'a JSON body with a charset',
      { ...own, 'content-type': 'Application/JSON; charset=utf-8', 'content-length': '2' },
    ],
    ['a POST with an empty body and no type (curl -X POST)', { ...own, 'content-length': '0' }],
    ['its own Origin', { ...own, origin: `http://127.0.0.1:${PORT}` }],
    ['Host localhost', { host: `localhost:${PORT}` }],
    ['Host [::1]', { host: `[::1]:${PORT}` }],
  ])('lets %s through', (_name, headers) => {
    expect(guardRequest(headers, PORT)).toBeUndefined()
  })

  it.each([
    ['no Host', {}, 403],
    ['a foreign Host', { host: `evil.example:${PORT}` }, 403],
    ['Host on another port', { host: '127.0.0.1:80' }, 403],
    ['a foreign Origin', { ...own, origin: 'https://evil.example' }, 403],
    ['Origin null', { ...own, origin: 'null' }, 403],
    ['Origin localhost (not the control URL)', { ...own, origin: `http://localhost:${PORT}` }, 403],
    ['a text/plain body', { ...own, 'content-type': 'text/plain', 'content-length': '2' }, 415],
    ['a body with no type', { ...own, 'content-length': '2' }, 415],
    ['a chunked body with no type', { ...own, 'transfer-encoding': 'chunked' }, 415],
    [
      'an empty form',
      { ...own, 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' },
      415,
    ],
    ['multipart', { ...own, 'content-type': 'multipart/form-data; boundary=x' }, 415],
  ])('refuses %s with %i', (_name, headers, status) => {
    expect(guardRequest(headers, PORT)).toMatchObject({ status, error: expect.any(String) })
  })
})

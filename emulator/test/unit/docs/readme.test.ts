import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EMULATOR_ERROR_CODES } from '../../../src/emulator-error.js'
import { EMULATOR_OPTION_NAMES } from '../../../src/emulator-options.js'
import { emulatorEnv } from '../../../src/start-emulator.js'

const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8')

/** The first cells of a README table's rows, under the heading that starts with `heading`. */
function firstColumn(heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}`)
  expect(start).toBeGreaterThan(0)
  const section = readme.slice(start + 1).split(/\n## /)[0]!
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('|---'))
    .map((line) => line.split('|')[1]!.trim())
}

describe('README', () => {
  it('lists every option of startEmulator in its options table, and no other', () => {
    const listed = firstColumn('startEmulator').filter((cell) => /^`[a-zA-Z]+`$/.test(cell))
    const options = listed.slice(0, listed.indexOf('`endpoints`'))
    expect(options.map((cell) => cell.slice(1, -1)).sort()).toEqual([...EMULATOR_OPTION_NAMES].sort())
  })

  it('explains every variable of the environment the emulator prints', () => {
    const endpoint = { region: 'us-east-1', host: 'h', address: '127.0.0.1', port: 1 }
    const identity = {
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 's', arn: 'a', accountId: '0' },
      temporaryCredentials: {} as never,
      principals: new Map(),
    }
    const env = emulatorEnv({
      endpoints: [endpoint],
      identity,
      caCertPath: '/ca.pem',
      controlUrl: 'http://c',
    })
    const explained = firstColumn('The environment it prints').join(' ')
    for (const name of Object.keys(env)) expect(explained).toContain(`\`${name}\``)
  })

  it('names every error code a caller can get in its errors table', () => {
    const table = firstColumn('Errors').join(' ')
    const internal = ['ERR_DSQL_EMULATOR_HANDSHAKE', 'ERR_DSQL_EMULATOR_BACKEND_CONNECT']
    for (const code of EMULATOR_ERROR_CODES.filter((c) => !internal.includes(c))) {
      expect(table).toContain(`\`${code}\``)
    }
    for (const code of internal) expect(readme).toContain(`\`${code}\``)
  })

  it('sends every curl body to the control API as application/json', () => {
    const withBody = readme.split('\n').filter((line) => line.startsWith('curl ') && / -d /.test(line))
    expect(withBody.length).toBeGreaterThan(0)
    for (const line of withBody) expect(line).toContain("-H 'content-type: application/json'")
  })
})

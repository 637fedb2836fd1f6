import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DSQL_OPTION_NAMES } from '../../../src/config/index.js'
import * as api from '../../../src/index.js'
import { DSQL_EVENT_TYPES } from '../../../src/observability/index.js'

const root = resolve(import.meta.dirname, '../../..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')

/** The rows of the first Markdown table after `heading`, as arrays of cell texts. */
function tableAfter(heading: string): string[][] {
  const start = readme.indexOf(heading)
  if (start === -1) throw new Error(`README has no "${heading}"`)
  const lines = readme.slice(start).split('\n')
  const first = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
  }
  return rows.slice(2)
}

/** Every `env.NAME` the config resolver reads: the only code that reads the environment. */
function envVarsRead(): string[] {
  const dir = join(root, 'src/config')
  const names = new Set<string>()
  for (const file of readdirSync(dir)) {
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/\benv\.([A-Z_]+)\b/g))
      names.add(match[1] as string)
  }
  return [...names].sort()
}

describe('README', () => {
  it('documents every public option in the options table', () => {
    const documented = tableAfter('## Options').map((row) => row[0]?.replaceAll('`', ''))
    const owned = DSQL_OPTION_NAMES
    for (const option of [
      ...owned,
      'sslnegotiation',
      'user',
      'database',
      'ssl',
      'connectionTimeoutMillis',
      'maxLifetimeSeconds',
      'idleTimeoutMillis',
    ]) {
      expect(documented, option).toContain(option)
    }
  })

  it('documents every environment variable pg-dsql reads', () => {
    const documented = tableAfter('### Environment variables').map((row) => row[0]?.replaceAll('`', ''))
    for (const name of envVarsRead()) expect(documented, name).toContain(name)
  })

  it('has a catalog row for every error class', () => {
    const rows = tableAfter('## Errors')
    const errorClasses = Object.entries(api)
      .filter(
        ([name, value]) =>
          typeof value === 'function' && value.prototype instanceof Error && name !== 'DsqlError',
      )
      .map(([name]) => name)
    expect(errorClasses.length).toBeGreaterThanOrEqual(8)
    for (const name of errorClasses) {
      expect(
        rows.find((cells) => cells[1] === `\`${name}\``),
        name,
      ).toBeDefined()
    }
  })

  it('describes every event type', () => {
    const documented = tableAfter('### Events').map((row) => row[0]?.replaceAll('`', ''))
    expect(documented.sort()).toEqual([...DSQL_EVENT_TYPES].sort())
  })

  it('shows the two commands of a fresh machine at the top', () => {
    const quickstart = readme.slice(readme.indexOf('## Quickstart'), readme.indexOf('## Usage'))
    expect(quickstart).toContain('npm install && npm run demo')
    expect(quickstart).toContain('npm test')
  })
})

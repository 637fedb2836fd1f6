import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RULES } from '../../../src/transform/index.js'

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')

/** The rows of the README's rules table, as [rule, severity, action, why]. */
function readmeRules(): string[][] {
  const section = readme.slice(readme.indexOf('## Rules'))
  const table = section.slice(
    section.indexOf('| Rule |'),
    section.indexOf('\n\n', section.indexOf('| Rule |')),
  )
  return table
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim().replace(/^`|`$/g, '')),
    )
}

describe('RULES', () => {
  it('is the table the README shows, row by row and in order', () => {
    const fromCode = Object.entries(RULES).map(([name, rule]) => [name, rule.severity, rule.action, rule.why])
    expect(readmeRules()).toEqual(fromCode)
  })

  it('cites a page of the DSQL user guide for every rule', () => {
    const bad = Object.entries(RULES).filter(
      ([, rule]) => !rule.source.startsWith('https://docs.aws.amazon.com/aurora-dsql/latest/userguide/'),
    )
    expect(bad).toEqual([])
  })
})

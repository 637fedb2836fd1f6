import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestEmulator } from '../../support/emulator.js'

const root = resolve(import.meta.dirname, '../../..')
const run = promisify(execFile)
const committed = readFileSync(resolve(root, 'examples/observability/output.txt'), 'utf8')
const readme = readFileSync(resolve(root, 'README.md'), 'utf8')

/** The output's sections by their `== title ==` line. */
function sections(output: string): Map<string, string[]> {
  const byTitle = new Map<string, string[]>()
  let current: string[] = []
  for (const line of output.split('\n')) {
    const title = /^== (.+) ==$/.exec(line)
    if (title !== null) {
      current = []
      byTitle.set(title[1] as string, current)
    } else if (line !== '') current.push(line)
  }
  return byTitle
}

/**
 * What stays the same from run to run: names, labels, units and keys, with every number and
 * every cluster id (random per emulator) replaced. EMF lines become their keys and metric names.
 */
function shape(output: string): Record<string, string[]> {
  const normal = (text: string) =>
    text.replaceAll(/[a-z0-9]{26}\.dsql\./g, 'CLUSTER.dsql.').replaceAll(/-?\d+(\.\d+)?(e-?\d+)?/g, 'N')
  const result: Record<string, string[]> = {}
  for (const [title, lines] of sections(output)) {
    result[title] =
      title === 'CloudWatch EMF lines'
        ? lines.map((line) => {
            const { _aws, ...members } = JSON.parse(line)
            return normal(
              JSON.stringify({ directives: _aws.CloudWatchMetrics, members: Object.keys(members) }),
            )
          })
        : [...new Set(lines.map(normal))]
  }
  return result
}

/** The lines of the README's code blocks under the "Observability" heading's excerpts. */
function readmeExcerpts(): string[] {
  const start = readme.indexOf('### What the adapters produce')
  const end = readme.indexOf('\n## ', start)
  if (start === -1 || end === -1) throw new Error('README has no "### What the adapters produce" section')
  const blocks = [...readme.slice(start, end).matchAll(/```[a-z]*\n([\s\S]*?)```/g)]
  return blocks.flatMap((block) => (block[1] as string).split('\n')).filter((line) => line !== '')
}

describe('examples/observability', () => {
  let emulator: Emulator
  let fresh: string

  beforeAll(async () => {
    // As examples/run.mjs starts it: two Regions.
    emulator = await startTestEmulator({ regions: ['us-east-1', 'us-east-2'] })
    const { stdout } = await run(process.execPath, [resolve(root, 'examples/observability/index.mjs')], {
      cwd: root,
      env: { ...process.env, ...emulator.env },
      timeout: 60_000,
    })
    fresh = stdout
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('has the shape of the committed output.txt: the same instruments, series and EMF keys', () => {
    expect(shape(fresh)).toEqual(shape(committed))
  })

  it('is quoted, line for line, by the README', () => {
    const excerpts = readmeExcerpts()
    expect(excerpts.length).toBeGreaterThan(20)
    const lines = new Set(committed.split('\n'))
    expect(excerpts.filter((line) => !lines.has(line))).toEqual([])
  })
})

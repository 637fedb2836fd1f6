import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { APPLY_FLAGS, STATUS_FLAGS } from '../../../src/cli/apply-command.js'
import { EXIT_CODES, runCli } from '../../../src/cli/index.js'
import { TRANSFORM_FLAGS } from '../../../src/cli/lint-command.js'

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
const commandSection = readme.slice(readme.indexOf('## The command'), readme.indexOf('## Rules'))

function sink(): { stream: Writable; text: () => string } {
  let text = ''
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk)
      done()
    },
  })
  return { stream, text: () => text }
}

describe('runCli', () => {
  it.each([
    ['lint', TRANSFORM_FLAGS],
    ['transform', TRANSFORM_FLAGS],
    ['apply', APPLY_FLAGS],
    ['status', STATUS_FLAGS],
  ] as const)('has every flag of %s in the README synopsis, and no other', (command, flags) => {
    const line = commandSection.split('pg-dsql-migrate ').find((part) => part.startsWith(command.padEnd(10)))
    const documented = [...((line ?? '').split('\n\n')[0] ?? '').matchAll(/\[--([a-z-]+)/g)].map((m) => m[1])
    expect(documented.sort()).toEqual(Object.keys(flags).sort())
  })

  it('documents every exit code in the README table', () => {
    for (const code of Object.values(EXIT_CODES))
      expect(commandSection).toMatch(new RegExp(`\\n\\| ${code} \\|`))
  })

  it('sends a bad flag to stderr with exit 64 without reading anything', async () => {
    const stdout = sink()
    const stderr = sink()
    const code = await runCli(['status', '--journal', 'x'], { stdout: stdout.stream, stderr: stderr.stream })
    expect(code).toBe(EXIT_CODES.usage)
    expect(stderr.text()).toContain('pg-dsql-migrate status: unknown option --journal.')
    expect(stdout.text()).toBe('')
  })
})

import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { emulatorCommand } from '../../../src/cli/emulator-delegate.js'

function capture() {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const text = { stdout: '', stderr: '' }
  stdout.on('data', (chunk: Buffer) => {
    text.stdout += chunk.toString()
  })
  stderr.on('data', (chunk: Buffer) => {
    text.stderr += chunk.toString()
  })
  return { io: { stdout, stderr }, text }
}

function missing(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app/dist/cli/main.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  })
}

describe('pg-dsql emulator', () => {
  it('hands its arguments and streams to pg-dsql-emulator and returns its exit code', async () => {
    const { io } = capture()
    const calls: unknown[] = []
    const code = await emulatorCommand(['--regions', 'us-east-1'], io, async () => ({
      runEmulatorCommand: async (args, given) => {
        calls.push([args, given === io])
        return 7
      },
    }))
    expect(code).toBe(7)
    expect(calls).toEqual([[['--regions', 'us-east-1'], true]])
  })

  it('prints how to install pg-dsql-emulator when it is missing, and exits 1', async () => {
    const { io, text } = capture()
    const code = await emulatorCommand([], io, () => Promise.reject(missing('pg-dsql-emulator')))
    expect(code).toBe(1)
    expect(text.stderr).toContain('npm install --save-dev pg-dsql-emulator')
    expect(text.stderr).toContain('npx pg-dsql-emulator')
  })

  it("rethrows when one of the emulator's own dependencies is missing", async () => {
    const { io } = capture()
    await expect(emulatorCommand([], io, () => Promise.reject(missing('libpg-query')))).rejects.toThrow(
      /libpg-query/,
    )
  })
})

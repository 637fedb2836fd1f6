import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../../..')
const main = resolve(root, 'examples/ecommerce/main.mjs')

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the demo as `npm run demo -- ARGS` would (after the build), stdout a pipe: not a TTY. */
function runDemo(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [main, ...args], { cwd, timeout: 90_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
      done({ code, stdout, stderr })
    })
  })
}

/** The index of the first line matching `pattern`, or -1. */
const lineOf = (lines: readonly string[], pattern: RegExp) => lines.findIndex((line) => pattern.test(line))

/**
 * `npm run demo`, short: its own emulator in a child process, 8 shoppers for 8 s with the near
 * Region isolated and healed mid-run, from a temporary folder so the default report lands there.
 */
describe('the e-commerce demo (npm run demo)', () => {
  let cwd: string
  let run: Run
  let lines: string[]

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'pg-dsql-demo-'))
    run = await runDemo(['--duration', '8', '--shoppers', '8'], cwd)
    lines = run.stdout.split('\n')
  }, 120_000)

  afterAll(() => {
    if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true })
  })

  it('exits 0 with every invariant holding', () => {
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const audit = lines.slice(lineOf(lines, /^Invariants:$/) + 1, lineOf(lines, /^Invariants:$/) + 4)
    expect(audit).toEqual([
      expect.stringMatching(
        /^ {2}ok {5}stock \+ sold = initial, for every product: 200 products, \d+ of them sold/,
      ),
      expect.stringMatching(
        /^ {2}ok {5}every acknowledged order exists exactly once, with its lines: [1-9]\d* orders, \d+ lines$/,
      ),
      expect.stringMatching(/^ {2}ok {5}no order left in an unknown state: /),
    ])
  })

  it('prints plain lines when stdout is not a TTY: no escape sequences, one line per interval', () => {
    expect(run.stdout).not.toContain('\u001b[')
    expect(
      lines.filter((line) => / orders\/s \| us-east-1 +\d+% us-east-2 +\d+% \| p50 /.test(line)).length,
    ).toBeGreaterThan(1)
  })

  it('shows the outage in the timeline: isolation, failover, heal, failback, in that order', () => {
    const isolated = lineOf(lines, /\*\* outage: us-east-1 isolated/)
    const failover = lineOf(lines, /\*\* failover: new connections us-east-1 -> us-east-2$/)
    const healed = lineOf(lines, /\*\* us-east-1 healed$/)
    const failback = lineOf(lines, /\*\* failback: new connections us-east-2 -> us-east-1$/)
    expect([isolated, failover, healed, failback].every((at) => at >= 0)).toBe(true)
    expect(isolated).toBeLessThan(failover)
    expect(isolated).toBeLessThan(healed)
    expect(healed).toBeLessThan(failback)
  })

  it('served orders from both Regions and counted the failover and failback in pool.stats()', () => {
    const served = (region: string) =>
      Number(new RegExp(`^ {2}${region} +(\\d+) orders`, 'm').exec(run.stdout)?.[1] ?? Number.NaN)
    expect(served('us-east-1')).toBeGreaterThan(0)
    expect(served('us-east-2')).toBeGreaterThan(0)
    expect(run.stdout).toMatch(/failovers [1-9]\d*, failbacks [1-9]\d*\./)
    expect(run.stdout).toMatch(/tokens signed [1-9]\d* for \d+ connections opened/)
  })

  it('writes a self-contained HTML report with the chart inline and nothing from the network', () => {
    const html = readFileSync(join(cwd, 'demo-report.html'), 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toMatch(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/)
    // The outage band and the failover marker are drawn in the chart.
    expect(html).toMatch(/<text[^>]*>us-east-1 isolated<\/text>/)
    expect(html).toMatch(/<text[^>]*>failover<\/text>/)
    expect(html).toContain('All invariants hold.')
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i)
  })

  it.each([
    [['--shoppers', 'lots'], 'demo: --shoppers must be a whole number from 1 to 200; got "lots".\n'],
    [
      ['--report', '/nonexistent-folder/report.html'],
      'demo: --report names a file in /nonexistent-folder, which cannot be written (ENOENT). Give a path in a folder that exists.\n',
    ],
  ])('refuses %j before starting anything, naming the flag, with exit code 2', async (args, message) => {
    const bad = await runDemo(args, cwd)
    expect(bad.code).toBe(2)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toBe(message)
  })
})

import { describe, expect, it } from 'vitest'
import { DEFAULTS, DemoFlagError, parseFlags } from '../../../examples/ecommerce/flags.mjs'

describe('parseFlags (npm run demo)', () => {
  it('gives the defaults with no flags: an outage, the default report, the emulator', () => {
    expect(parseFlags([])).toEqual({ ...DEFAULTS, help: false })
    expect(DEFAULTS).toMatchObject({ outage: true, reportPath: 'demo-report.html', endpoints: undefined })
  })

  it('reads every flag', () => {
    expect(
      parseFlags(['--duration', '8', '--shoppers', '3', '--no-outage', '--report', 'out/r.html']),
    ).toEqual({
      help: false,
      durationSec: 8,
      shoppers: 3,
      outage: false,
      reportPath: 'out/r.html',
      endpoints: undefined,
    })
  })

  it('turns the outage off for a real cluster given by --endpoints, and splits the list', () => {
    const flags = parseFlags(['--endpoints', 'a.dsql.us-east-1.on.aws, b.dsql.us-east-2.on.aws'])
    expect(flags.endpoints).toEqual(['a.dsql.us-east-1.on.aws', 'b.dsql.us-east-2.on.aws'])
    expect(flags.outage).toBe(false)
  })

  it.each([
    [['--durration', '8'], '--durration', /Unknown option '--durration'/],
    [['--duration'], '--duration', /argument missing/],
    [['--duration', 'ten'], '--duration', /--duration must be whole seconds from 6 to 3600; got "ten"/],
    [['--duration', '5'], '--duration', /got "5"/],
    [['--duration', '2.5'], '--duration', /got "2.5"/],
    [['--shoppers', '0'], '--shoppers', /--shoppers must be a whole number from 1 to 200; got "0"/],
    [['--shoppers', '1e3'], '--shoppers', /got "1e3"/],
    [['--report', ''], '--report', /--report must name a file/],
    [['--endpoints', ' , '], '--endpoints', /--endpoints must list one or more DSQL endpoints/],
    [['shop'], 'shop', /Unexpected argument 'shop'/],
  ])('rejects %j with a DemoFlagError naming %s', (argv, flag, message) => {
    let caught: unknown
    try {
      parseFlags(argv)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DemoFlagError)
    expect(caught).toMatchObject({ flag, code: 'ERR_DEMO_FLAG' })
    expect((caught as Error).message).toMatch(message)
  })
})

// The demo's command line: `--duration`, `--shoppers`, `--no-outage`, `--report`, `--endpoints`.
// Pure: takes argv, returns frozen options or throws a DemoFlagError naming the flag.
import { parseArgs } from 'node:util'

export const DEFAULTS = Object.freeze({
  durationSec: 25,
  shoppers: 16,
  outage: true,
  reportPath: 'demo-report.html',
  endpoints: undefined,
})

export const USAGE = `Usage: npm run demo -- [flags]

  --duration SEC     how long shoppers shop, 6 to 3600 seconds (default ${DEFAULTS.durationSec})
  --shoppers N       concurrent shoppers, 1 to 200 (default ${DEFAULTS.shoppers})
  --no-outage        keep both Regions up (default: the near Region is isolated mid-run, then healed)
  --report FILE      the HTML report (default ${DEFAULTS.reportPath})
  --endpoints LIST   a real DSQL cluster's endpoints, comma-separated: no emulator is started and no
                     Region is isolated; credentials and AWS_REGION come from the environment
  --help             this text
`

/** A flag that is unknown, missing its value or out of range; `flag` names it. */
export class DemoFlagError extends Error {
  name = 'DemoFlagError'
  code = 'ERR_DEMO_FLAG'

  /** @param {string} message @param {string} flag */
  constructor(message, flag) {
    super(message)
    this.flag = flag
  }
}

/**
 * @param {string} flag
 * @param {string | undefined} text
 * @param {number} min
 * @param {number} max
 * @param {string} unit
 */
function integer(flag, text, min, max, unit) {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new DemoFlagError(`${flag} must be ${unit} from ${min} to ${max}; got "${text}".`, flag)
  }
  return value
}

/**
 * @param {readonly string[]} argv the arguments after the script's name
 * @returns {Readonly<{ help: boolean, durationSec: number, shoppers: number, outage: boolean,
 *   reportPath: string, endpoints: string[] | undefined }>}
 */
export function parseFlags(argv) {
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        shoppers: { type: 'string' },
        'no-outage': { type: 'boolean' },
        report: { type: 'string' },
        endpoints: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    // parseArgs names the flag in its message ("Unknown option '--durration'"); keep it.
    const flag = /'(--?[\w-]+)/.exec(String(error.message))?.[1] ?? String(argv[0] ?? '')
    throw new DemoFlagError(
      `${error.message.replace(/\. To specify.*$/s, '')}. Run with --help for the flags.`,
      flag,
    )
  }
  const report = values.report
  if (report !== undefined && (report.trim() === '' || report.startsWith('-'))) {
    throw new DemoFlagError(
      `--report must name a file to write, such as demo-report.html; got "${report}".`,
      '--report',
    )
  }
  let endpoints
  if (values.endpoints !== undefined) {
    endpoints = values.endpoints
      .split(',')
      .map((endpoint) => endpoint.trim())
      .filter((endpoint) => endpoint !== '')
    if (endpoints.length === 0) {
      throw new DemoFlagError(
        '--endpoints must list one or more DSQL endpoints, comma-separated ' +
          `(abc….dsql.us-east-1.on.aws,def….dsql.us-east-2.on.aws); got "${values.endpoints}".`,
        '--endpoints',
      )
    }
  }
  return Object.freeze({
    help: values.help === true,
    durationSec: integer('--duration', values.duration, 6, 3600, 'whole seconds') ?? DEFAULTS.durationSec,
    shoppers: integer('--shoppers', values.shoppers, 1, 200, 'a whole number') ?? DEFAULTS.shoppers,
    outage: values['no-outage'] !== true && endpoints === undefined,
    reportPath: report ?? DEFAULTS.reportPath,
    endpoints,
  })
}

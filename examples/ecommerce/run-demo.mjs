// The demo from start to end: the cloud (the emulator, or a real cluster), the schema, the
// shoppers with the outage under the live view, then the audit and the report. Resolves with the
// exit code.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { DsqlPool, EVENT_CHANNEL_NAME } from 'pg-dsql'
import { instrumentPool } from 'pg-dsql/prometheus'
import { Registry } from 'prom-client'
import { makeCatalog, seededRandom } from './catalog.mjs'
import { INTER_REGION_RTT_MS, LATENCY_MS, REGIONS, startEmulatorProcess } from './emulator-process.mjs'
import { checkInvariants, readShop } from './invariants.mjs'
import { createLiveView } from './live-view.mjs'
import { outagePlan } from './outage.mjs'
import { createRecorder } from './recorder.mjs'
import { createSchema, resetShop } from './schema.mjs'
import { shop } from './shop.mjs'
import { finish } from './summary.mjs'

/** Hot products hold about what shoppers buy of them in a third of the run: they sell out mid-run. */
const hotStockFor = (flags) => Math.max(20, Math.round(flags.shoppers * flags.durationSec * 0.2))

/**
 * The first query starts the router's probes; the first full round of them picks the nearest
 * Region. Waits for it (up to 5 s) and says what it measured.
 * @param {import('pg-dsql').DsqlPool} pool
 */
async function measureRegions(pool) {
  await pool.query('SELECT 1')
  const deadline = performance.now() + 5000
  let routing = pool.routing()
  while (
    routing.endpoints.some((endpoint) => endpoint.latencyMs === undefined) &&
    performance.now() < deadline
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    routing = pool.routing()
  }
  const measured = routing.endpoints
    .map(
      (endpoint) =>
        `${endpoint.region} ${endpoint.latencyMs === undefined ? 'unmeasured' : `${endpoint.latencyMs.toFixed(1)} ms`}`,
    )
    .join(', ')
  const preferred = routing.endpoints.find((endpoint) => endpoint.preferred)?.region
  return {
    preferred,
    text: `${routing.strategy} strategy; probes measured ${measured}: new connections go to ${preferred ?? 'none yet'}.`,
  }
}

const MEASURE_ROUNDS = 3

/** Schema, data and exactlyOnce's table, on a pool of its own. */
async function setUp(poolOptions, catalog, say) {
  // Ended before the shop opens, so the shop's pool measures the Regions on a quiet cluster
  // rather than during DDL.
  const setupPool = new DsqlPool({ ...poolOptions, max: 2 })
  try {
    const schema = await createSchema(setupPool)
    say(
      `Schema through pg-dsql-migrate apply(): ${schema.migrations} migrations, ${schema.statements} DDL ` +
        `statements one per transaction, ${schema.jobs} indexes built asynchronously` +
        `${schema.statements === 0 ? ' (already applied)' : ''}.`,
    )
    await resetShop(setupPool, catalog)
    // exactlyOnce's marker table is made by the first such transaction. Make it now: a DDL
    // while the shop is open would fail every other session's next statement with OC001.
    await setupPool.transaction(() => undefined, { exactlyOnce: true })
  } finally {
    await setupPool.end()
  }
  say(
    `Catalog: ${catalog.products.length} products (${catalog.hot.length} hot ones with ` +
      `${catalog.hot[0].initialStock} in stock each), ${catalog.customers.length} customers.`,
  )
}

/**
 * @param {ReturnType<typeof import('./flags.mjs').parseFlags>} flags
 * @param {{ out: NodeJS.WritableStream & { isTTY?: boolean }, stopSignal: AbortSignal }} io
 */
export async function runDemo(flags, { out, stopSignal }) {
  const say = (line = '') => out.write(`${line}\n`)
  let emulator
  if (flags.endpoints === undefined) {
    say(
      `Starting the DSQL emulator: ${REGIONS.near} (near, ${LATENCY_MS[REGIONS.near]} ms), ` +
        `${REGIONS.far} (far, ${LATENCY_MS[REGIONS.far]} ms), ${INTER_REGION_RTT_MS} ms apart ...`,
    )
    emulator = await startEmulatorProcess()
    // The pools are configured by the environment alone, as an app's would be.
    Object.assign(process.env, emulator.env)
    say(`  ready in ${emulator.readyMs} ms; control API ${emulator.env.DSQL_EMULATOR_CONTROL}`)
  } else {
    say(`Using the DSQL cluster at ${flags.endpoints.join(', ')} (no emulator, no outage).`)
  }
  // Tokens signed by every pool of the process, setup's included: pg-dsql's diagnostics channel
  // sees them all (a pool's stats() counts only what happened since it was built, and the shop's
  // pool finds the setup's tokens already cached).
  const tokens = { signed: 0 }
  const countTokens = (event) => {
    if (event.type === 'token.issued') tokens.signed++
  }
  subscribe(EVENT_CHANNEL_NAME, countTokens)
  try {
    const poolOptions = flags.endpoints === undefined ? {} : { endpoints: flags.endpoints }
    const catalog = makeCatalog({ hotStock: hotStockFor(flags), random: seededRandom(15) })
    await setUp(poolOptions, catalog, say)
    return await openShop({ flags, out, say, stopSignal, emulator, poolOptions, catalog, tokens })
  } finally {
    unsubscribe(EVENT_CHANNEL_NAME, countTokens)
    await emulator?.stop()
  }
}

/** The shop's pool, its shoppers and the outage, then the audit and the report. */
async function openShop({ flags, out, say, stopSignal, emulator, poolOptions, catalog, tokens }) {
  const startedAt = new Date()
  let recorder
  const view = createLiveView(out)
  const timeline = (kind, text) => {
    if (recorder !== undefined) view.event(recorder.event(kind, text))
  }
  const newPool = () =>
    new DsqlPool({
      ...poolOptions,
      // One connection per shopper, and a few for onConflict's stock checks.
      max: Math.min(flags.shoppers + 4, 44),
      onEvent(event) {
        if (event.type === 'failover' || event.type === 'failback') {
          timeline(event.type, `${event.type}: new connections ${event.fromRegion} -> ${event.toRegion}`)
        } else if (event.type === 'endpoint.health') {
          const why = event.error?.code ?? 'no answer'
          timeline('health', `${event.region} endpoint ${event.healthy ? 'healthy again' : `down (${why})`}`)
        }
      },
    })
  let pool = newPool()
  // The router's first probe round decides on one sample each. On a machine so busy that the
  // emulator answers the near Region's probe late, it can pick the far one and, by design, keep
  // it for three more rounds (15 s): the outage would then show nothing. Measure again instead.
  for (let round = 1; ; round++) {
    const routing = await measureRegions(pool)
    say(`Routing: ${routing.text}`)
    if (emulator === undefined || routing.preferred === REGIONS.near || round === MEASURE_ROUNDS) break
    say(`  ${REGIONS.near} answered slower than ${REGIONS.far} (a busy machine): measuring again.`)
    await pool.end()
    pool = newPool()
  }
  const regions = [...new Set(pool.stats().endpoints.map((endpoint) => endpoint.region))]
  const registry = new Registry()
  instrumentPool(pool, { registry, poolName: 'shop' })
  try {
    say(`${flags.shoppers} shoppers for ${flags.durationSec} s.`)
    say()

    recorder = createRecorder({ regions })
    const plan = flags.outage ? outagePlan(flags.durationSec) : undefined
    await shop({ flags, pool, catalog, recorder, view, timeline, emulator, plan, stopSignal, tokens })

    const invariants = checkInvariants({
      initialStock: new Map(catalog.products.map((product) => [product.sku, product.initialStock])),
      shop: await readShop(pool),
      acknowledged: recorder.acknowledged,
      unknown: recorder.unknown,
      notPlaced: recorder.notPlaced,
    })
    return await finish({
      say,
      flags,
      startedAt,
      regions,
      recorder,
      pool,
      registry,
      invariants,
      plan,
      tokens,
      emulatorStats: emulator === undefined ? undefined : await emulator.stats(),
      setup:
        emulator === undefined
          ? `the DSQL cluster at ${flags.endpoints.join(', ')}`
          : `pg-dsql-emulator, ${REGIONS.near} ${LATENCY_MS[REGIONS.near]} ms and ${REGIONS.far} ` +
            `${LATENCY_MS[REGIONS.far]} ms from the app, ${INTER_REGION_RTT_MS} ms between them`,
    })
  } finally {
    await pool.end()
  }
}

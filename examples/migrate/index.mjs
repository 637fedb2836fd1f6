// pg-dsql-migrate with Drizzle: the folder `drizzle-kit generate` wrote (./drizzle, from
// ./schema.ts in two steps) applied the DSQL way, one statement per transaction, indexes built
// asynchronously and waited for, foreign keys added NOT VALID and validated, progress in a journal
// DSQL accepts. Then `status`, and a second apply that has nothing left to do. Configured by the
// environment alone, as `node examples/run.mjs migrate` sets it for the emulator. To regenerate:
// npx drizzle-kit generate --dialect postgresql --schema examples/migrate/schema.ts --out examples/migrate/drizzle
import { fileURLToPath } from 'node:url'
import { DsqlPool } from 'pg-dsql'
import { apply, status } from 'pg-dsql-migrate'
import { readDrizzleMigrations } from 'pg-dsql-migrate/drizzle'

const pool = new DsqlPool()
try {
  const migrations = await readDrizzleMigrations(fileURLToPath(new URL('./drizzle', import.meta.url)))
  console.log(`read ${migrations.length} migrations: ${migrations.map((m) => m.id).join(', ')}`)

  await apply({
    pool,
    migrations,
    onEvent(event) {
      if (event.type === 'statement.applied') {
        const { migrationId, index } = event.statement
        console.log(
          `  applied ${migrationId} #${index}${event.jobId === undefined ? '' : ` (job ${event.jobId})`}`,
        )
      }
    },
  })

  const report = await status({ pool, migrations })
  console.log(
    `status: ${report.applied.length} applied, ${report.pending.length} pending, ${report.drifted.length} drifted`,
  )

  let ran = 0
  await apply({ pool, migrations, onEvent: (event) => void (event.type === 'statement.applied' && ran++) })
  console.log(`second apply ran ${ran} statements`)

  const { rows } = await pool.query(
    `SELECT table_name, count(*)::int AS columns FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN ('customers', 'products', 'orders', 'order_items')
      GROUP BY table_name ORDER BY table_name`,
  )
  console.table(rows)
} finally {
  await pool.end()
}

import type { CatalogIndex, CatalogReader } from './catalog-reader.js'
import type { CatalogText } from './catalog-text.js'
import { indexKey } from './normal-form.js'
import { applied, drift, notApplied, qualified, type Recognition } from './recognition.js'
import { relationName } from './recognize-table.js'

type Fields = Record<string, unknown>

// sys.jobs statuses of a job that has not ended yet.
const RUNNING = new Set(['submitted', 'pending', 'processing', 'running', 'in_progress'])
const FAILED = new Set(['failed', 'cancelled', 'canceled'])

/**
 * `CREATE [UNIQUE] INDEX [ASYNC]`: applied when the index (by name, or any index of the table
 * with the same definition when the statement names none) has the statement's definition, as
 * `pg_get_indexdef` prints it, and is valid. An invalid one is an async build still running
 * (wait for its job), one that failed (the job's error), or a leftover whose job DSQL no
 * longer lists (dropped, then the statement runs again).
 */
export async function recognizeIndex(
  statement: Fields,
  catalog: CatalogReader,
  text: CatalogText,
): Promise<Recognition> {
  const table = relationName(statement.relation)
  const wanted = indexKey(statement)
  const same = (index: CatalogIndex) => indexKey(text.indexFields(index.definition)) === wanted
  let index: CatalogIndex | undefined
  if (typeof statement.idxname === 'string') {
    const name = statement.idxname
    index = await catalog.index(table.schema, name)
    if (index === undefined) {
      const other = await catalog.relation(table.schema, name)
      return other === undefined
        ? notApplied(`index ${name} does not exist`)
        : drift(`${name} exists but is not an index (relkind ${other.kind})`)
    }
    if (index.table !== table.name)
      return drift(`index ${name} exists on table ${index.table}, not ${table.name}`)
    if (!same(index)) return drift(`index ${name} has another definition: ${index.definition}`)
  } else {
    const found = await catalog.relation(table.schema, table.name)
    if (found === undefined) return notApplied(`table ${table.name} does not exist`)
    index = (await catalog.indexesOf(found.oid)).find(same)
    if (index === undefined) return notApplied(`no index of ${table.name} has the statement's definition`)
  }
  return buildState(index, catalog)
}

async function buildState(index: CatalogIndex, catalog: CatalogReader): Promise<Recognition> {
  if (index.valid) return applied(`index ${index.name} exists with the statement's definition`)
  const cleanup = `DROP INDEX IF EXISTS ${qualified(index.schema, index.name)}`
  const job = await catalog.latestJob(index.schema, index.name)
  if (job !== undefined && RUNNING.has(job.status)) {
    return applied(`index ${index.name} exists and its build (job ${job.jobId}) is running`, job.jobId)
  }
  if (job !== undefined && FAILED.has(job.status)) {
    return { state: 'job-failed', jobId: job.jobId, details: job.details, cleanup }
  }
  return notApplied(
    `index ${index.name} exists but is not valid, and DSQL lists no running build for it`,
    cleanup,
  )
}

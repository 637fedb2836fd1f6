// An embedded PostgreSQL that trusts loopback connections: both sides of a benchmark connect
// without authentication, so only the client libraries differ.
import { readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startEmbeddedBackend } from 'pg-dsql-emulator'

export async function startTrustedBackend() {
  const dir = await mkdtemp(join(tmpdir(), 'pg-dsql-bench-'))
  const backend = await startEmbeddedBackend({ dir })
  const hba = join(dir, 'pgdata', 'pg_hba.conf')
  writeFileSync(hba, `host all all 127.0.0.1/32 trust\n${readFileSync(hba, 'utf8')}`)
  const admin = new pg.Client(backend.url)
  await admin.connect()
  await admin.query('SELECT pg_reload_conf()')
  await admin.end()
  const { port } = new URL(backend.url)
  return {
    port: Number(port),
    url: backend.url,
    async stop() {
      await backend.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

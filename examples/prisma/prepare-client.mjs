// Generates Prisma's client for schema.prisma and makes it importable from plain JavaScript on
// Node 20. A TypeScript app does neither step by hand: it runs `prisma generate` and compiles the
// generated files with the rest of its code.
import { execFile } from 'node:child_process'
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import ts from 'typescript'

const here = fileURLToPath(new URL('.', import.meta.url))
// Outside the source tree, where git, the linter and the type checker do not look.
const out = join(here, '../../node_modules/.cache/pg-dsql-examples/prisma')

/** Runs `prisma generate` for schema.prisma, compiles the client to JavaScript, and imports it. */
export async function prepareClient() {
  await rm(out, { recursive: true, force: true })
  await mkdir(out, { recursive: true })
  await copyFile(join(here, 'schema.prisma'), join(out, 'schema.prisma'))
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js')
  await promisify(execFile)(
    process.execPath,
    [cli, 'generate', '--schema', join(out, 'schema.prisma'), '--no-hints'],
    {
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: '1',
        // Prisma 7.10's CLI fetches its native schema engine before any command when it is missing,
        // though `generate` never runs it: naming any existing file lets `generate` run offline.
        // Remove this line where binaries.prisma.sh is reachable.
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      },
    },
  )
  // Prisma 7 writes TypeScript; Node 20 runs JavaScript. Each file compiles on its own.
  const generated = join(out, 'generated')
  for (const file of await readdir(generated, { recursive: true })) {
    if (!file.endsWith('.ts')) continue
    const source = await readFile(join(generated, file), 'utf8')
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        rewriteRelativeImportExtensions: true,
      },
    })
    await writeFile(join(generated, file.replace(/\.ts$/, '.js')), outputText)
  }
  return import(pathToFileURL(join(generated, 'client.js')).href)
}

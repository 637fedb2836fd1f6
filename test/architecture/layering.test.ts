import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// The architecture, as data: which folder (or top-level file) of each package may import which.
// An arrow not listed here fails the test, and so does a cycle, an import that goes around a
// folder's index.ts, or any import between the two packages. `types` arrows carry types only
// (`import type`): config and observability are leaves that know other folders' shapes, never
// their code. Change this picture on purpose, in review, never to make a build pass.

type Arrow = readonly [from: string, to: string, kind?: 'types']

const DRIVER_ARROWS: readonly Arrow[] = [
  ['index.ts', 'config'],
  ['index.ts', 'errors'],
  ['index.ts', 'observability'],
  ['index.ts', 'pool'],
  ['index.ts', 'retry'],
  ['index.ts', 'version.ts'],
  ['config', 'errors'],
  ['config', 'observability', 'types'],
  ['config', 'version.ts'],
  ['auth', 'config'],
  ['auth', 'errors'],
  ['auth', 'observability'],
  ['routing', 'config'],
  ['routing', 'errors'],
  ['routing', 'observability'],
  ['retry', 'config'],
  ['retry', 'errors'],
  ['retry', 'observability'],
  ['pool', 'auth'],
  ['pool', 'config'],
  ['pool', 'errors'],
  ['pool', 'observability'],
  ['pool', 'retry'],
  ['pool', 'routing'],
  ['adapters', 'errors'],
  ['adapters', 'observability'],
  ['adapters', 'version.ts'],
  ['orm', 'config'],
  ['orm', 'errors'],
  ['orm', 'retry'],
  ['cli', 'auth'],
  ['cli', 'config'],
  ['cli', 'pool'],
  ['cli', 'routing'],
]

const EMULATOR_ARROWS: readonly Arrow[] = [
  ['index.ts', 'backend'],
  ['index.ts', 'cli'],
  ['index.ts', 'control'],
  ['index.ts', 'sql'],
  ['index.ts', 'emulator.ts'],
  ['index.ts', 'emulator-error.ts'],
  ['index.ts', 'emulator-options.ts'],
  ['index.ts', 'start-emulator.ts'],
  ['cli', 'emulator-error.ts'],
  ['cli', 'emulator-options.ts'],
  ['cli', 'start-emulator.ts'],
  ['start-emulator.ts', 'auth'],
  ['start-emulator.ts', 'backend'],
  ['start-emulator.ts', 'control'],
  ['start-emulator.ts', 'endpoint'],
  ['start-emulator.ts', 'sql'],
  ['start-emulator.ts', 'transactions'],
  ['start-emulator.ts', 'emulator.ts'],
  ['start-emulator.ts', 'emulator-error.ts'],
  ['start-emulator.ts', 'emulator-options.ts'],
  ['emulator.ts', 'control', 'types'],
  ['emulator-options.ts', 'sql'],
  ['emulator-options.ts', 'emulator-error.ts'],
  ['endpoint', 'wire'],
  ['endpoint', 'sql'],
  ['endpoint', 'session'],
  ['endpoint', 'transactions'],
  ['endpoint', 'control'],
  ['endpoint', 'emulator-error.ts'],
  ['transactions', 'wire'],
  ['transactions', 'sql'],
  ['transactions', 'session', 'types'],
  ['transactions', 'control', 'types'],
  ['session', 'wire'],
  ['session', 'sql'],
  ['session', 'auth'],
  ['session', 'backend'],
  ['session', 'control'],
  ['session', 'emulator-error.ts'],
  ['backend', 'wire'],
  ['backend', 'emulator-error.ts'],
  ['control', 'emulator-error.ts'],
  ['sql', 'wire'],
]

// pg-dsql-migrate: the parser (sql) under everything; transform and lint over it; apply plans
// with transform; the ORM adapters read what an ORM writes; cli joins them. It reaches the driver
// only as the optional peer, by its package name, from cli (a rule of its own below).
const MIGRATE_ARROWS: readonly Arrow[] = [
  ['index.ts', 'apply'],
  ['index.ts', 'lint'],
  ['index.ts', 'sql'],
  ['index.ts', 'transform'],
  ['adapters', 'sql'],
  ['apply', 'sql'],
  ['apply', 'transform'],
  ['lint', 'sql'],
  ['lint', 'transform'],
  ['transform', 'sql'],
  ['cli', 'adapters'],
  ['cli', 'apply'],
  ['cli', 'lint'],
  ['cli', 'sql'],
  ['cli', 'transform'],
]

const root = resolve(import.meta.dirname, '../..')

/**
 * Files a package exports as subpaths of their own (pg-dsql-migrate/drizzle …): each is a door
 * of its folder, as an index.ts is, since the package's users enter through it.
 */
function subpathDoors(packageDir: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } } | string>
  }
  return new Set(
    Object.values(manifest.exports ?? {}).flatMap((entry) => {
      const built = typeof entry === 'string' ? entry : entry.import?.default
      const match = /^\.\/dist\/(.+)\.js$/.exec(built ?? '')
      return match === null ? [] : [`${match[1]}.ts`]
    }),
  )
}

interface Import {
  /** The importing file, relative to its package's src/. */
  readonly file: string
  readonly specifier: string
  readonly typesOnly: boolean
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')` with a literal.
const STATIC = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

function importsOf(srcDir: string): Import[] {
  return sourceFiles(srcDir).flatMap((path) => {
    const text = readFileSync(path, 'utf8')
    const file = relative(srcDir, path)
    const found: Import[] = []
    for (const match of text.matchAll(STATIC)) {
      const clause = match[0]
      // `import { type A, type B }` is types only too.
      const named = /\{([^}]*)\}/.exec(clause)?.[1]
      const allTyped =
        named
          ?.split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '')
          .every((part) => part.startsWith('type ')) === true
      found.push({ file, specifier: match[3] as string, typesOnly: match[2] !== undefined || allTyped })
    }
    for (const match of text.matchAll(DYNAMIC))
      found.push({ file, specifier: match[1] as string, typesOnly: false })
    return found
  })
}

/** A file's place in the picture: its top folder under src/, or the file itself at the top. */
function nodeOf(file: string): string {
  return file.split('/')[0] as string
}

interface Edge {
  readonly from: string
  readonly to: string
  readonly file: string
  readonly specifier: string
  readonly typesOnly: boolean
}

function edgesOf(srcDir: string): Edge[] {
  const edges: Edge[] = []
  for (const entry of importsOf(srcDir)) {
    if (!entry.specifier.startsWith('.')) continue
    const target = relative(srcDir, resolve(srcDir, dirname(entry.file), entry.specifier)).replace(
      /\.js$/,
      '.ts',
    )
    const from = nodeOf(entry.file)
    const to = nodeOf(target)
    if (from !== to)
      edges.push({ from, to, file: entry.file, specifier: entry.specifier, typesOnly: entry.typesOnly })
  }
  return edges
}

function findCycle(edges: readonly Edge[]): string[] | undefined {
  const next = new Map<string, Set<string>>()
  for (const { from, to } of edges) next.set(from, (next.get(from) ?? new Set()).add(to))
  const state = new Map<string, 'visiting' | 'done'>()
  const path: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node]
    state.set(node, 'visiting')
    path.push(node)
    for (const to of next.get(node) ?? []) {
      const cycle = visit(to)
      if (cycle !== undefined) return cycle
    }
    path.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of next.keys()) {
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

const packages = [
  {
    name: 'pg-dsql',
    dir: root,
    srcDir: join(root, 'src'),
    arrows: DRIVER_ARROWS,
    others: ['pg-dsql-emulator', 'pg-dsql-migrate'],
    otherDirs: [join(root, 'emulator'), join(root, 'migrate')],
  },
  {
    name: 'pg-dsql-emulator',
    dir: join(root, 'emulator'),
    srcDir: join(root, 'emulator/src'),
    arrows: EMULATOR_ARROWS,
    others: ['pg-dsql', 'pg-dsql-migrate'],
    otherDirs: [join(root, 'src'), join(root, 'migrate')],
  },
  {
    name: 'pg-dsql-migrate',
    dir: join(root, 'migrate'),
    srcDir: join(root, 'migrate/src'),
    arrows: MIGRATE_ARROWS,
    // pg-dsql by its name is the optional peer: checked by a rule of its own below.
    others: ['pg-dsql-emulator'],
    otherDirs: [join(root, 'src'), join(root, 'emulator')],
  },
] as const

describe.each(packages)('the layering of $name', ({ dir, srcDir, arrows, others, otherDirs }) => {
  const edges = edgesOf(srcDir)

  it('has only the arrows the picture allows', () => {
    const allowed = new Map(arrows.map(([from, to, kind]) => [`${from} -> ${to}`, kind]))
    const unexpected = edges
      .filter((edge) => {
        const key = `${edge.from} -> ${edge.to}`
        if (!allowed.has(key)) return true
        return allowed.get(key) === 'types' && !edge.typesOnly
      })
      .map(
        (edge) =>
          `${edge.from} -> ${edge.to}${allowed.has(`${edge.from} -> ${edge.to}`) ? ' (code where only types may go)' : ''} in ${edge.file}`,
      )
    expect(unexpected).toEqual([])
  })

  it('draws no arrow that nothing uses', () => {
    const used = new Set(edges.map((edge) => `${edge.from} -> ${edge.to}`))
    expect(arrows.map(([from, to]) => `${from} -> ${to}`).filter((arrow) => !used.has(arrow))).toEqual([])
  })

  it('has no import cycle between folders', () => {
    expect(findCycle(edges)).toBeUndefined()
  })

  it('enters another folder only through its index.ts (or a file the package exports)', () => {
    const doors = subpathDoors(dir)
    const deep = edges.filter((edge) => {
      const target = relative(srcDir, resolve(srcDir, dirname(edge.file), edge.specifier))
      return (
        target.includes('/') && !target.endsWith('/index.js') && !doors.has(target.replace(/\.js$/, '.ts'))
      )
    })
    expect(deep.map((edge) => `${edge.file} imports ${edge.specifier}`)).toEqual([])
  })

  it(`never imports ${others.join(' or ')}, nor reaches into their folders`, () => {
    const crossing = importsOf(srcDir).filter((entry) => {
      if (others.some((other) => entry.specifier === other || entry.specifier.startsWith(`${other}/`)))
        return true
      if (!entry.specifier.startsWith('.')) return false
      const target = resolve(srcDir, dirname(entry.file), entry.specifier)
      return otherDirs.some((otherDir) => !relative(otherDir, target).startsWith('..'))
    })
    expect(crossing.map((entry) => `${entry.file} imports ${entry.specifier}`)).toEqual([])
  })
})

describe('the layering rules the issue names', () => {
  const driver = edgesOf(join(root, 'src'))

  it('keeps config from importing pool, routing or auth', () => {
    expect(
      driver.filter((edge) => edge.from === 'config' && ['pool', 'routing', 'auth'].includes(edge.to)),
    ).toEqual([])
    expect(
      DRIVER_ARROWS.filter(([from, to]) => from === 'config' && ['pool', 'routing', 'auth'].includes(to)),
    ).toEqual([])
  })

  it('keeps errors from importing anything of ours', () => {
    expect(driver.filter((edge) => edge.from === 'errors')).toEqual([])
    expect(DRIVER_ARROWS.filter(([from]) => from === 'errors')).toEqual([])
  })

  it('finds the imports it checks (the parser is not blind)', () => {
    // A sample that must be seen: the pool composes retry, routing and auth.
    const arrows = new Set(driver.map((edge) => `${edge.from} -> ${edge.to}`))
    expect(arrows).toContain('pool -> retry')
    expect(arrows).toContain('pool -> routing')
    expect(
      driver.some((edge) => edge.from === 'config' && edge.to === 'observability' && edge.typesOnly),
    ).toBe(true)
  })
})

describe('pg-dsql-migrate and the driver', () => {
  const imports = importsOf(join(root, 'migrate/src'))

  it('imports pg-dsql only by its public entry, and only from cli (apply and status take any pool)', () => {
    const driver = imports.filter(
      (entry) => entry.specifier === 'pg-dsql' || entry.specifier.startsWith('pg-dsql/'),
    )
    expect(driver.map((entry) => `${entry.file} imports ${entry.specifier}`)).toEqual([
      'cli/connect-pool.ts imports pg-dsql',
    ])
  })

  it('keeps pg-dsql an optional peer of pg-dsql-migrate, never a dependency', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'migrate/package.json'), 'utf8'))
    expect(manifest.dependencies?.['pg-dsql']).toBeUndefined()
    expect(manifest.peerDependenciesMeta?.['pg-dsql']).toEqual({ optional: true })
  })

  it('finds the imports it checks (the parser is not blind)', () => {
    const arrows = new Set(edgesOf(join(root, 'migrate/src')).map((edge) => `${edge.from} -> ${edge.to}`))
    expect(arrows).toContain('apply -> transform')
    expect(arrows).toContain('cli -> adapters')
  })
})

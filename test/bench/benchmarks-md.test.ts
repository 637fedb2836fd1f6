import { describe, expect, it } from 'vitest'
import { type BenchReport, type LatestRun, renderBenchmarks } from '../../bench/lib/benchmarks-md.mjs'
import { barChart, lineChart, niceStep } from '../../bench/lib/svg-chart.mjs'

// BENCHMARKS.md is regenerated from bench/results/latest.json; these tests check the rendering
// (what a benchmark's JSON becomes), never a measured number.
const latest: LatestRun = {
  date: '2026-12-01T05:20:00.000Z',
  machine: { node: 'v20.20.2', platform: 'linux-x64', cpus: 2, cpuModel: 'Test CPU' },
  load: { before: 0.4, after: 1.7 },
  durationSec: 412,
  quick: false,
  benches: {
    overhead: {
      benchmark: 'overhead',
      about: 'What the wrapper costs.',
      ratios: { throughput: 0.994, p99: 1.07, cpuPerQuery: 1.03, throughputVsAwsConnector: 2.1 },
      tables: [{ title: 'SELECT 1', columns: ['Pool', 'Queries/s'], rows: [['pg.Pool', '31,000']] }],
      chart: {
        kind: 'bar',
        title: 'Overhead',
        unit: 'ratio',
        groups: [{ name: 'ratios', bars: [{ label: 'throughput', value: 0.994 }] }],
      },
    },
    footprint: { benchmark: 'footprint', about: 'Install size.', error: 'Command failed: npm install' },
  },
}

describe('renderBenchmarks', () => {
  it('heads the page with the machine, Node version, date and load, and a headline row per known ratio', () => {
    const { markdown } = renderBenchmarks(latest)
    expect(markdown).toContain(
      'Measured on 2026-12-01 (05:20 UTC) on 2 cores (Test CPU, linux-x64), Node v20.20.2',
    )
    expect(markdown).toContain(
      'Load average (1 min) 0.4 before the run and 1.7 after it: the machine was shared.',
    )
    expect(markdown).toContain(
      '| Query-path throughput, head to head, DsqlPool / pg.Pool (target >= 0.99) | 0.994 | [overhead](#overhead) |',
    )
    expect(markdown).toContain(
      "| Query-path throughput, DsqlPool / AWS's connector | 2.10 | [overhead](#overhead) |",
    )
  })

  it("writes each benchmark's tables, chart link, ratios and hand-written notes", () => {
    const { markdown, charts } = renderBenchmarks(latest, {
      notes: { overhead: 'Profiled: nothing of ours.' },
      chartsDir: 'docs',
    })
    expect(markdown).toContain('## overhead\n\nWhat the wrapper costs.\n\n`npm run bench -- overhead`')
    expect(markdown).toContain('**SELECT 1**\n\n| Pool | Queries/s |\n|---|---:|\n| pg.Pool | 31,000 |')
    expect(markdown).toContain('![Overhead](docs/bench-overhead.svg)')
    expect(markdown).toContain('Ratios: `throughput` 0.994, `p99` 1.07, `cpuPerQuery` 1.03')
    expect(markdown).toContain('Profiled: nothing of ours.')
    expect(Object.keys(charts)).toEqual(['bench-overhead.svg'])
  })

  it('dates a section run again alone after the full run, and only that one', () => {
    const rerun = {
      ...latest,
      benches: {
        ...latest.benches,
        overhead: { ...(latest.benches.overhead as BenchReport), date: '2026-12-01T07:50:00.000Z' },
        footprint: { ...(latest.benches.footprint as BenchReport), date: '2026-12-01T05:26:00.000Z' },
      },
    }
    const { markdown } = renderBenchmarks(rerun)
    expect(markdown).toContain('`npm run bench -- overhead`\n\nRe-run alone on 2026-12-01 (07:50 UTC).')
    expect(markdown.match(/Re-run alone/g)).toHaveLength(1)
  })

  it('says when a benchmark failed instead of dropping its section', () => {
    const { markdown, charts } = renderBenchmarks(latest)
    expect(markdown).toContain(
      '## footprint\n\nInstall size.\n\n`npm run bench -- footprint`\n\n**This run failed:** Command failed',
    )
    expect(charts['bench-footprint.svg']).toBeUndefined()
  })
})

describe('barChart', () => {
  it('draws bars in proportion to their values and escapes labels', () => {
    const svg = barChart({
      title: 'A <b> & "c"',
      unit: 'ms',
      groups: [
        {
          name: 'g',
          bars: [
            { label: 'one <x>', value: 1 },
            { label: 'two', value: 2 },
          ],
        },
      ],
    })
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg).toContain('A &lt;b&gt; &amp; &quot;c&quot;')
    expect(svg).toContain('one &lt;x&gt;')
    const widths = [...svg.matchAll(/<rect x="300" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]))
    expect(widths).toHaveLength(2)
    expect(widths[1]).toBeCloseTo(2 * (widths[0] ?? 0), 0)
  })
})

describe('barChart with per-group scales', () => {
  it('scales each group to its own largest bar, so groups in different units both show', () => {
    const svg = barChart({
      title: 'Footprint',
      unit: 'MB / ms',
      scale: 'per-group',
      groups: [
        { name: 'MB', bars: [{ label: 'a', value: 6 }] },
        { name: 'ms', bars: [{ label: 'a', value: 200 }] },
      ],
    })
    const widths = [...svg.matchAll(/<rect x="300" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]))
    expect(widths).toHaveLength(2)
    expect(widths[0]).toBeGreaterThan(0)
    expect(widths[0]).toBeCloseTo(widths[1] ?? 0, 0)
    expect(svg).not.toContain('stroke="#e5e7eb"')
  })
})

describe('lineChart', () => {
  it('draws one polyline per series with every point, and shades the marked span', () => {
    const svg = lineChart({
      title: 'Outage',
      xLabel: 'seconds',
      yLabel: 'queries/s',
      spans: [{ from: 5, to: 15, label: 'isolated' }],
      series: [
        {
          name: 'near',
          points: [
            [0, 100],
            [10, 0],
            [20, 100],
          ],
        },
        {
          name: 'far',
          points: [
            [0, 0],
            [10, 80],
          ],
        },
      ],
    })
    const polylines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]?.split(' ').length)
    expect(polylines).toEqual([3, 2])
    expect(svg).toContain('fill="#fee2e2"')
    expect(svg).toContain('>isolated</text>')
  })
})

describe('niceStep', () => {
  it.each([
    [100, 5, 20],
    [7, 5, 2],
    [0.9, 5, 0.2],
    [0, 5, 1],
  ])('gives a 1-2-5 step for max %d in about %d ticks: %d', (max, count, step) => {
    expect(niceStep(max, count)).toBeCloseTo(step, 10)
  })
})

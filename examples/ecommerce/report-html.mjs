// The self-contained HTML report: the chart inline as SVG, the summary, the invariants, the
// timeline and the metrics as the Prometheus adapter exports them. No script, no stylesheet or
// font from elsewhere, no network: the file opens anywhere, offline. Pure.

const escapeHtml = (text) =>
  String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')

const table = (head, rows) =>
  `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`

/**
 * @param {{ title: string, generatedAt: string, setup: readonly [string, string][],
 *   chartSvg: string, summary: readonly [string, string][], perRegion: readonly string[][],
 *   invariants: { ok: boolean, checks: readonly { name: string, ok: boolean, detail: string }[] },
 *   timeline: readonly { atSec: number, text: string }[],
 *   metrics: readonly { name: string, labels: string, value: number }[] }} input
 */
export function renderReport(input) {
  const verdict = input.invariants.ok
    ? '<p class="ok">All invariants hold.</p>'
    : '<p class="bad">An invariant broke: see below. The demo exited with code 1.</p>'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
body { font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #111827; margin: 2rem auto; max-width: 940px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.muted { color: #6b7280; } .ok { color: #15803d; font-weight: 600; } .bad { color: #b91c1c; font-weight: 600; }
table { border-collapse: collapse; margin: 0.5rem 0; } th, td { border-bottom: 1px solid #e5e7eb; padding: 0.25rem 0.9rem 0.25rem 0; text-align: left; vertical-align: top; }
td:nth-child(n+2) { font-variant-numeric: tabular-nums; } svg { max-width: 100%; height: auto; border: 1px solid #e5e7eb; }
code { font-size: 0.9em; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p class="muted">Generated ${escapeHtml(input.generatedAt)} by <code>npm run demo</code>.</p>
${table(['Setting', 'Value'], input.setup)}
<h2>Orders per second, by Region</h2>
${input.chartSvg}
<h2>Summary</h2>
${table(['Measure', 'Value'], input.summary)}
${table(['Region', 'Orders', 'Share', 'p50', 'p99'], input.perRegion)}
<h2>Invariants</h2>
${verdict}
${table(
  ['Invariant', 'Result', 'Detail'],
  input.invariants.checks.map((check) => [check.name, check.ok ? 'holds' : 'BROKEN', check.detail]),
)}
<h2>Timeline</h2>
${table(
  ['At', 'Event'],
  input.timeline.map((event) => [`${event.atSec.toFixed(1)} s`, event.text]),
)}
<h2>Metrics, as the Prometheus adapter exports them</h2>
<p class="muted"><code>pg-dsql/prometheus</code> on a prom-client registry, for the shop's pool; the live view read the same counts from <code>pool.stats()</code>. The shop's pool signed no token of its own: it found the ones the setup's pool signed in the shared token cache.</p>
${table(
  ['Metric', 'Labels', 'Value'],
  input.metrics.map((metric) => [metric.name, metric.labels, String(metric.value)]),
)}
</body>
</html>
`
}

// The report's chart: orders placed per second in each Region over the run, the outage shaded,
// failovers and failbacks marked. A standalone SVG string (its own xmlns and background), so the
// same text goes inline into the HTML report and into docs/demo-chart.svg. Pure.

const COLORS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea']

const escapeXml = (text) =>
  String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')

/** A round axis maximum and step: 1, 2 or 5 times a power of ten. @param {number} max */
export function niceScale(max, ticks = 5) {
  if (!(max > 0)) return { max: 1, step: 0.2 }
  const raw = max / ticks
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)
  return { max: Math.ceil(max / step) * step, step }
}

/**
 * @param {{ seconds: readonly { placed: Record<string, number>, outOfStock: number }[], regions: readonly string[],
 *   outage?: { fromSec: number, toSec: number | undefined, label: string },
 *   markers?: readonly { atSec: number, label: string }[], title: string,
 *   width?: number, height?: number }} input
 */
export function renderChart({ seconds, regions, outage, markers = [], title, width = 860, height = 360 }) {
  const pad = { left: 56, right: 20, top: 52, bottom: 60 }
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const spanSec = Math.max(1, seconds.length)
  const peak = Math.max(0, ...seconds.flatMap((s) => [s.outOfStock, ...regions.map((r) => s.placed[r] ?? 0)]))
  const y = niceScale(peak)
  const xOf = (sec) => pad.left + (Math.min(sec, spanSec) / spanSec) * plotW
  const yOf = (value) => pad.top + plotH - (value / y.max) * plotH
  const f = (n) => n.toFixed(1)

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${pad.left}" y="22" font-size="15" font-weight="600" fill="#111827">${escapeXml(title)}</text>`,
  ]
  if (outage !== undefined) {
    const x1 = xOf(outage.fromSec)
    const x2 = xOf(outage.toSec ?? spanSec)
    parts.push(
      `<rect x="${f(x1)}" y="${pad.top}" width="${f(Math.max(1, x2 - x1))}" height="${plotH}" fill="#fee2e2" stroke="#fca5a5"/>`,
      `<text x="${f(x1 + 4)}" y="${pad.top + 14}" fill="#b91c1c">${escapeXml(outage.label)}</text>`,
    )
  }
  for (let v = 0; v <= y.max + y.step / 2; v += y.step) {
    const yy = f(yOf(v))
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`,
      `<text x="${pad.left - 6}" y="${yy}" dy="4" text-anchor="end" fill="#6b7280">${Number(v.toFixed(6))}</text>`,
    )
  }
  const xStep = niceScale(spanSec, 8).step
  for (let sec = 0; sec <= spanSec; sec += Math.max(1, xStep)) {
    parts.push(
      `<text x="${f(xOf(sec))}" y="${height - pad.bottom + 16}" text-anchor="middle" fill="#6b7280">${sec}s</text>`,
    )
  }
  parts.push(
    `<text x="14" y="${pad.top + plotH / 2}" transform="rotate(-90 14 ${pad.top + plotH / 2})" text-anchor="middle" fill="#374151">orders/s</text>`,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${pad.top + plotH}" y2="${pad.top + plotH}" stroke="#9ca3af"/>`,
  )
  markers.forEach((marker, i) => {
    const x = f(xOf(marker.atSec))
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="#374151" stroke-dasharray="4 3"/>`,
      `<text x="${x}" y="${pad.top - 6 - (i % 2) * 12}" text-anchor="middle" fill="#374151">${escapeXml(marker.label)}</text>`,
    )
  })
  const series = [
    ...regions.map((region, i) => ({
      label: region,
      color: COLORS[i % COLORS.length],
      dash: '',
      countOf: (s) => s.placed[region] ?? 0,
    })),
    {
      label: 'turned away: out of stock',
      color: '#9ca3af',
      dash: ' stroke-dasharray="5 4"',
      countOf: (s) => s.outOfStock,
    },
  ]
  let legendX = pad.left
  for (const { label, color, dash, countOf } of series) {
    // Each second's count drawn at the middle of its second.
    const points = seconds.map((s, sec) => `${f(xOf(sec + 0.5))},${f(yOf(countOf(s)))}`)
    if (points.length > 0) {
      parts.push(
        `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2.2"${dash} stroke-linejoin="round"/>`,
      )
    }
    const legendY = height - 14
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 18}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="3"${dash}/>`,
      `<text x="${legendX + 24}" y="${legendY}" fill="#111827">${escapeXml(label)}</text>`,
    )
    legendX += 40 + label.length * 7
  }
  parts.push('</svg>')
  return parts.join('\n')
}

// A small SVG writer for BENCHMARKS.md: horizontal bars (one value per label, grouped) and lines
// over time (with marked spans such as an outage). Plain strings, no dependency; the output is
// deterministic for the same input, so regenerated charts diff cleanly.

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"'
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563']

/** Escapes text for an SVG text node or attribute. */
export function escapeXml(text) {
  return String(text).replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c],
  )
}

const round = (n) => Math.round(n * 10) / 10

/** Formats a value for a label: at most three significant digits past the point. */
export function formatValue(value) {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return '0'
  const abs = Math.abs(value)
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  return value.toFixed(abs >= 1 ? 2 : 3)
}

/** A tick label: as many decimals as the step needs, no more. */
function tickLabel(value, step) {
  return value.toFixed(Math.max(0, -Math.floor(Math.log10(step))))
}

/** A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks up to `max`. */
export function niceStep(max, count = 5) {
  if (!(max > 0)) return 1
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const fraction = raw / power
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
}

/**
 * Horizontal bars. `groups`: `[{ name, bars: [{ label, value }] }]`; each group gets a heading
 * row and its own bars, all on one value axis that starts at zero, or with `scale: 'per-group'`
 * each group on its own (for groups in different units: no axis, each bar labelled).
 */
export function barChart({ title, unit, groups, scale = 'shared' }) {
  const width = 760
  const labelWidth = 300
  const plotWidth = width - labelWidth - 90
  const rowHeight = 22
  const rows = groups.reduce((n, group) => n + group.bars.length + (groups.length > 1 ? 1 : 0), 0)
  const height = 50 + rows * rowHeight + 30
  const topOf = (bars) => {
    const max = Math.max(...bars.map((bar) => bar.value), 0)
    const step = niceStep(max)
    return { step, top: step * Math.max(1, Math.ceil(max / step)) }
  }
  const shared = topOf(groups.flatMap((group) => group.bars))
  const parts = [header(width, height, title)]
  if (scale === 'shared') {
    const x = (value) => labelWidth + (plotWidth * value) / shared.top
    for (let tick = 0; tick <= shared.top + shared.step / 2; tick += shared.step) {
      parts.push(
        `<line x1="${round(x(tick))}" y1="40" x2="${round(x(tick))}" y2="${height - 28}" stroke="#e5e7eb"/>`,
        `<text x="${round(x(tick))}" y="${height - 12}" font-size="11" text-anchor="middle" fill="#4b5563" ${FONT}>${tickLabel(tick, shared.step)}</text>`,
      )
    }
    parts.push(
      `<text x="${width - 10}" y="${height - 12}" font-size="11" text-anchor="end" fill="#4b5563" ${FONT}>${escapeXml(unit)}</text>`,
    )
  }
  let y = 44
  for (const [index, group] of groups.entries()) {
    const { top } = scale === 'shared' ? shared : topOf(group.bars)
    const x = (value) => labelWidth + (plotWidth * value) / top
    if (groups.length > 1) {
      parts.push(
        `<text x="8" y="${y + 15}" font-size="12" font-weight="600" fill="#111827" ${FONT}>${escapeXml(group.name)}</text>`,
      )
      y += rowHeight
    }
    for (const [barIndex, bar] of group.bars.entries()) {
      const color = COLORS[(groups.length > 1 ? barIndex : index + barIndex) % COLORS.length]
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + 15}" font-size="12" text-anchor="end" fill="#111827" ${FONT}>${escapeXml(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y + 3}" width="${round(Math.max(0, x(bar.value) - labelWidth))}" height="${rowHeight - 6}" fill="${color}"/>`,
        `<text x="${round(x(bar.value) + 4)}" y="${y + 15}" font-size="11" fill="#111827" ${FONT}>${formatValue(bar.value)}</text>`,
      )
      y += rowHeight
    }
  }
  parts.push('</svg>\n')
  return parts.join('\n')
}

/**
 * Lines over x. `series`: `[{ name, points: [[x, y], …] }]`; `spans`: `[{ from, to, label }]`
 * shaded behind the lines (an outage). Axes start at zero.
 */
export function lineChart({ title, xLabel, yLabel, series, spans = [] }) {
  const width = 760
  const height = 340
  const left = 60
  const right = 20
  const top = 40
  const bottom = 60
  const xs = series.flatMap((s) => s.points.map(([px]) => px))
  const ys = series.flatMap((s) => s.points.map(([, py]) => py))
  const xMax = Math.max(...xs, ...spans.map((span) => span.to), 1)
  const yStep = niceStep(Math.max(...ys, 0))
  const yTop = yStep * Math.max(1, Math.ceil(Math.max(...ys, 0) / yStep))
  const px = (value) => left + ((width - left - right) * value) / xMax
  const py = (value) => height - bottom - ((height - top - bottom) * value) / yTop
  const parts = [header(width, height, title)]
  for (const span of spans) {
    parts.push(
      `<rect x="${round(px(span.from))}" y="${top}" width="${round(px(span.to) - px(span.from))}" height="${height - top - bottom}" fill="#fee2e2"/>`,
      `<text x="${round((px(span.from) + px(span.to)) / 2)}" y="${top + 14}" font-size="11" text-anchor="middle" fill="#991b1b" ${FONT}>${escapeXml(span.label)}</text>`,
    )
  }
  for (let tick = 0; tick <= yTop + yStep / 2; tick += yStep) {
    parts.push(
      `<line x1="${left}" y1="${round(py(tick))}" x2="${width - right}" y2="${round(py(tick))}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${round(py(tick) + 4)}" font-size="11" text-anchor="end" fill="#4b5563" ${FONT}>${tickLabel(tick, yStep)}</text>`,
    )
  }
  const xStep = niceStep(xMax, 8)
  for (let tick = 0; tick <= xMax + xStep / 2; tick += xStep) {
    parts.push(
      `<text x="${round(px(tick))}" y="${height - bottom + 16}" font-size="11" text-anchor="middle" fill="#4b5563" ${FONT}>${tickLabel(tick, xStep)}</text>`,
    )
  }
  parts.push(
    `<text x="${round((left + width - right) / 2)}" y="${height - bottom + 32}" font-size="11" text-anchor="middle" fill="#4b5563" ${FONT}>${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${round((top + height - bottom) / 2)}" font-size="11" text-anchor="middle" fill="#4b5563" transform="rotate(-90 14 ${round((top + height - bottom) / 2)})" ${FONT}>${escapeXml(yLabel)}</text>`,
  )
  for (const [index, s] of series.entries()) {
    const color = COLORS[index % COLORS.length]
    const path = s.points.map(([x, y]) => `${round(px(x))},${round(py(y))}`).join(' ')
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`)
    const legendX = left + index * 200
    parts.push(
      `<rect x="${legendX}" y="${height - 18}" width="12" height="4" fill="${color}"/>`,
      `<text x="${legendX + 18}" y="${height - 12}" font-size="11" fill="#111827" ${FONT}>${escapeXml(s.name)}</text>`,
    )
  }
  parts.push('</svg>\n')
  return parts.join('\n')
}

function header(width, height, title) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="22" font-size="14" font-weight="600" fill="#111827" ${FONT}>${escapeXml(title)}</text>`,
  ].join('\n')
}

// A day-by-day chart (uPlot on a canvas), one line per series, with its own legend and the same
// figures in a table for screen readers: the canvas alone says nothing to them.
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'

const COLORS = ['#1f5fbf', '#b5421a', '#2e7d32', '#7b3fa0', '#8a6d00', '#00727a', '#a0294f', '#4a4a4a']

export interface Series {
  label: string
  values: number[]
}

export function DayChart({ title, days, series }: { title: string; days: string[]; series: Series[] }) {
  const holder = useRef<HTMLDivElement>(null)
  const key = JSON.stringify([days, series])
  useEffect(() => {
    const el = holder.current
    if (!el || days.length === 0) return
    const width = Math.max(320, Math.min(900, el.clientWidth || 640))
    const plot = new uPlot(
      {
        width,
        height: 220,
        legend: { show: false },
        scales: { x: { time: true } },
        axes: [{ stroke: '#333' }, { stroke: '#333' }],
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true } }))],
      },
      [days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000), ...series.map((s) => s.values)],
      el,
    )
    return () => plot.destroy()
  }, [key])
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={holder} role="img" aria-label={`${title}: chart, the same figures are in the table below`} />
      <ul class="legend">
        {series.map((s, i) => (
          <li key={s.label}>
            <span class={`swatch c${i % COLORS.length}`} aria-hidden="true" />
            {s.label}
          </li>
        ))}
      </ul>
    </figure>
  )
}

/** Rows grouped by day and one other key, as chart series: every day of the range, 0 where nothing happened. */
export function seriesByDay(rows: { day?: string }[], days: string[], keyOf: (row: never) => string, valueOf: (row: never) => number): Series[] {
  const byKey = new Map<string, number[]>()
  const index = new Map(days.map((d, i) => [d, i]))
  for (const row of rows) {
    const i = index.get(row.day ?? '')
    if (i === undefined) continue
    const k = keyOf(row as never) || '(none)'
    let values = byKey.get(k)
    if (!values) {
      values = days.map(() => 0)
      byKey.set(k, values)
    }
    values[i] = (values[i] ?? 0) + valueOf(row as never)
  }
  return [...byKey].map(([label, values]) => ({ label, values }))
}

export function dayRange(from: string, to: string): string[] {
  const out: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10))
  return out
}

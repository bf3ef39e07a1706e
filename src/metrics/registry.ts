// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format. A label set is looked up through nested maps of its raw names and values (no
// escaping, no key string); its escaped rendering is made once, when the series is created.

type Labels = Record<string, string>

const NEEDS_ESCAPE = /[\\\n"]/
const escape = (v: string) => (NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v)
// Called on every increment: a plain loop, no intermediate arrays.
const renderLabels = (labels: Labels, extra = '') => {
  let out = ''
  const keys = Object.keys(labels)
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    out += `${i === 0 ? '' : ','}${k}="${escape(labels[k]!)}"`
  }
  if (extra) out += out ? `,${extra}` : extra
  return out ? `{${out}}` : ''
}

/**
 * The series of a metric, found by walking its label names and values through nested maps: no key
 * string is built per call, and the names and values are strings whose hashes the engine already
 * holds (they come from the configuration and the code). Label sets with the same names in another
 * order are different series, as the rendered output would differ too.
 */
interface SeriesNode<S> {
  series: S | undefined
  next: Map<string, Map<string, SeriesNode<S>>> | undefined
}

class SeriesIndex<S> {
  private root: SeriesNode<S> = { series: undefined, next: undefined }
  all: S[] = []

  clear(): void {
    this.root = { series: undefined, next: undefined }
    this.all = []
  }

  find(labels: Labels): S | undefined {
    let node: SeriesNode<S> | undefined = this.root
    for (const k in labels) {
      node = node.next?.get(k)?.get(String(labels[k]))
      if (!node) return undefined
    }
    return node.series
  }

  get(labels: Labels, create: (labels: Labels) => S): S {
    let node = this.root
    for (const k in labels) {
      const byName: Map<string, Map<string, SeriesNode<S>>> = (node.next ??= new Map())
      let byValue = byName.get(k)
      if (!byValue) byName.set(k, (byValue = new Map()))
      // As text, as the output has it: 200 and '200' are one series.
      const v = String(labels[k])
      let child = byValue.get(v)
      if (!child) byValue.set(v, (child = { series: undefined, next: undefined }))
      node = child
    }
    if (node.series === undefined) {
      node.series = create(labels)
      this.all.push(node.series)
    }
    return node.series
  }
}

const newCounterSeries = (labels: Labels) => ({ rendered: renderLabels(labels), value: 0 })

interface Metric {
  render(): string
}

export class Counter implements Metric {
  private readonly values = new SeriesIndex<{ rendered: string; value: number }>()
  constructor(readonly name: string, readonly help: string, private readonly type: 'counter' | 'gauge' = 'counter') {}
  private series(labels: Labels) {
    return this.values.get(labels, newCounterSeries)
  }
  inc(labels: Labels = {}, by = 1) {
    this.series(labels).value += by
  }
  set(labels: Labels, value: number) {
    this.series(labels).value = value
  }
  get(labels: Labels = {}): number {
    return this.values.find(labels)?.value ?? 0
  }
  /** Whether a series with these labels exists. */
  has(labels: Labels): boolean {
    return this.values.find(labels) !== undefined
  }
  /** Number of series. */
  get size(): number {
    return this.values.all.length
  }
  /** Drops every series (a gauge whose label set starts over, e.g. each quota day). */
  clear(): void {
    this.values.clear()
  }
  render() {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n`
    for (const s of this.values.all) out += `${this.name}${s.rendered} ${s.value}\n`
    return out
  }
}

export class Gauge extends Counter {
  constructor(name: string, help: string) {
    super(name, help, 'gauge')
  }
  dec(labels: Labels = {}, by = 1) {
    this.inc(labels, -by)
  }
}

export class Histogram implements Metric {
  private readonly series = new SeriesIndex<{ labels: Labels; counts: number[]; sum: number; count: number }>()
  private readonly newSeries = (labels: Labels) => ({ labels: { ...labels }, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 })
  constructor(readonly name: string, readonly help: string, private readonly buckets: number[]) {}
  observe(labels: Labels, value: number) {
    const s = this.series.get(labels, this.newSeries)
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++
    s.sum += value
    s.count++
  }
  render() {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`
    for (const s of this.series.all) {
      this.buckets.forEach((b, i) => (out += `${this.name}_bucket${renderLabels(s.labels, `le="${b}"`)} ${s.counts[i]}\n`))
      out += `${this.name}_bucket${renderLabels(s.labels, 'le="+Inf"')} ${s.count}\n`
      out += `${this.name}_sum${renderLabels(s.labels)} ${s.sum}\n${this.name}_count${renderLabels(s.labels)} ${s.count}\n`
    }
    return out
  }
}

export class Registry {
  private readonly metrics: Metric[] = []
  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric)
    return metric
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('')
  }
}

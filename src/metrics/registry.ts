// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format. A label set is looked up by a cheap key (names and raw values, no escaping);
// its escaped rendering is made once, when the series is created.

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

/** Identifies a label set (names included, so that the order of the keys does not matter to the output). */
const keyOf = (labels: Labels) => {
  let key = ''
  for (const k in labels) key += `${k}\u0000${labels[k]}\u0001`
  return key
}

interface Metric {
  render(): string
}

export class Counter implements Metric {
  private readonly values = new Map<string, { rendered: string; value: number }>()
  constructor(readonly name: string, readonly help: string, private readonly type: 'counter' | 'gauge' = 'counter') {}
  private series(labels: Labels) {
    const key = keyOf(labels)
    let s = this.values.get(key)
    if (!s) {
      s = { rendered: renderLabels(labels), value: 0 }
      this.values.set(key, s)
    }
    return s
  }
  inc(labels: Labels = {}, by = 1) {
    this.series(labels).value += by
  }
  set(labels: Labels, value: number) {
    this.series(labels).value = value
  }
  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0
  }
  render() {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n`
    for (const s of this.values.values()) out += `${this.name}${s.rendered} ${s.value}\n`
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
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>()
  constructor(readonly name: string, readonly help: string, private readonly buckets: number[]) {}
  observe(labels: Labels, value: number) {
    const key = keyOf(labels)
    let s = this.series.get(key)
    if (!s) {
      s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }
      this.series.set(key, s)
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++
    s.sum += value
    s.count++
  }
  render() {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`
    for (const s of this.series.values()) {
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

// The `models` table: each public model name or glob pattern, the backend that serves it, the
// name sent upstream, an output cap, the models to fall back on, and its price per million tokens
// (for the cost column of usage reports). Whether the backend and the fallbacks exist is checked
// later, against the other sections (check-references.ts).

import type { ModelConfig, ModelPrice } from '../config-types'
import { int, isObject, nonNegative, type Problems, type Raw, str, stringList } from '../field-readers'

export function normalizeModels(models: Raw, p: Problems): ModelConfig[] {
  return Object.entries(models).flatMap(([pattern, v]) => {
    const path = `models.${pattern}`
    if (!isObject(v)) {
      p.add(path, 'must be a mapping with backend')
      return []
    }
    const backend = str(v, 'backend', `${path}.backend`, p, '')
    if (backend === '') p.add(`${path}.backend`, 'is required')
    const max = v.max_output_tokens
    return [
      {
        pattern,
        backend,
        upstream_model: str(v, 'upstream_model', `${path}.upstream_model`, p, null),
        max_output_tokens: max === undefined || max === null ? null : int(v, 'max_output_tokens', `${path}.max_output_tokens`, p, 0, 1),
        display_name: str(v, 'display_name', `${path}.display_name`, p, null),
        fallbacks: stringList(v.fallbacks, `${path}.fallbacks`, p),
        price: normalizePrice(v.price, `${path}.price`, p),
      },
    ]
  })
}

/** `price: { input, output }` per million tokens; both are required once a price is given. */
function normalizePrice(raw: unknown, path: string, p: Problems): ModelPrice | null {
  if (raw === undefined || raw === null) return null
  if (!isObject(raw)) {
    p.add(path, 'must be a mapping with input and output (per million tokens)')
    return null
  }
  const input = nonNegative(raw, 'input', `${path}.input`, p)
  const output = nonNegative(raw, 'output', `${path}.output`, p)
  return input === null || output === null ? null : { input, output }
}

// Tools a client declared inside a `namespace` tool reach a backend without namespaces as one
// flat function name, `<namespace>__<name>` (the form MCP tool names already take); the answer's
// calls are named back. Only names the request declared are mapped back, so a model that invents
// `a__b` gets no namespace it was never given.
import type { NamespacedNames } from './types'

export const NAMESPACE_SEPARATOR = '__'

export function flatToolName(namespace: string, name: string): string {
  return `${namespace}${NAMESPACE_SEPARATOR}${name}`
}

/** The name and namespace a backend's call goes back to the client with. */
export function clientToolName(flat: string, namespaced: NamespacedNames | null): { name: string; namespace?: string } {
  const declared = namespaced?.get(flat)
  return declared ? { name: declared.name, namespace: declared.namespace } : { name: flat }
}

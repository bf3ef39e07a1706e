// The checks that span sections: a name written in one section must exist in another. Each
// section is normalised on its own first; these run on the result, so that a mistake is reported
// once, at the key path where the dangling name is written.

import type { GatewayConfig, StaticKeyConfig } from './config-types'
import type { Problems } from './field-readers'
import { globMatch } from './model-pattern'

export interface ReferenceCheckOptions {
  /** Where each static key was read from (see NormalizedAuth.keyPaths); by default `auth.keys[i]` of its place in the list. */
  keyPaths?: ReadonlyMap<StaticKeyConfig, string>
  /**
   * Check that route targets and fallbacks match an entry of `models`. Off for the built-in models
   * table, whose entries are dropped when their backend is not configured, so its routes may point
   * at a model that is simply not served.
   */
  routeTargets: boolean
}

export function checkReferences(config: GatewayConfig, p: Problems, options: ReferenceCheckOptions): void {
  checkBackendNames(config, p)
  checkTierNames(config, p, options.keyPaths)
  checkSignIn(config, p)
  if (options.routeTargets) checkModelNames(config, p)
}

/** Every model entry names a configured backend. */
function checkBackendNames(config: GatewayConfig, p: Problems): void {
  for (const m of config.models) {
    // An empty backend is already reported as required by the models section.
    if (m.backend && !config.backends[m.backend]) p.add(`models.${m.pattern}.backend`, `names an unknown backend ${JSON.stringify(m.backend)}`)
  }
}

/** Static keys and Keycloak's default tier name a configured tier. */
function checkTierNames(config: GatewayConfig, p: Problems, keyPaths?: ReadonlyMap<StaticKeyConfig, string>): void {
  config.auth.keys.forEach((k, i) => {
    if (!config.tiers[k.tier]) p.add(`${keyPaths?.get(k) ?? `auth.keys[${i}]`}.tier`, `names an unknown tier ${JSON.stringify(k.tier)}`)
  })
  const keycloak = config.auth.keycloak
  if (keycloak && !config.tiers[keycloak.default_tier]) p.add('auth.keycloak.default_tier', `names an unknown tier ${JSON.stringify(keycloak.default_tier)}`)
}

/** Sign-in sends browsers and issues tokens at the public URL, which the request's Host header must never decide. */
function checkSignIn(config: GatewayConfig, p: Problems): void {
  if (config.auth.keycloak?.client_id && !config.server.public_url) {
    p.add('server.public_url', 'is required for sign-in (auth.keycloak.client_id is set): the URL developers reach the gateway at')
  }
}

/** Route targets and fallbacks that can never match a model are operator mistakes worth a message. */
function checkModelNames(config: GatewayConfig, p: Problems): void {
  const known = (name: string) => config.models.some((m) => globMatch(m.pattern, name))
  for (const tier of Object.values(config.tiers)) {
    for (const [from, to] of tier.routes) {
      if (!known(to)) p.add(`tiers.${tier.name}.routes.${from}`, `target ${JSON.stringify(to)} matches no entry of models`)
    }
  }
  for (const m of config.models) {
    for (const f of m.fallbacks) {
      if (!known(f)) p.add(`models.${m.pattern}.fallbacks`, `${JSON.stringify(f)} matches no entry of models`)
    }
  }
}

// One endpoint pool per backend with real endpoints (the demo backend has none).
import type { GatewayConfig } from '../config/config-types'
import { EndpointPool } from './endpoint-pool'

export function createEndpointPools(config: GatewayConfig, now?: () => number): Map<string, EndpointPool> {
  const pools = new Map<string, EndpointPool>()
  for (const backend of Object.values(config.backends)) {
    if (backend.format !== 'demo') pools.set(backend.name, new EndpointPool(backend.endpoints, backend.circuit_breaker, now))
  }
  return pools
}

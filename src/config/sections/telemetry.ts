// The `telemetry` section: the OpenTelemetry collectors that receive, verbatim, the OTLP/HTTP data
// Claude Code sends to the gateway once signed in through it.

import type { TelemetryConfig } from '../config-types'
import { type Problems, type Raw, stringList, validUrl } from '../field-readers'

export function normalizeTelemetry(telemetry: Raw, p: Problems): TelemetryConfig {
  const urls = stringList(telemetry.forward_to, 'telemetry.forward_to', p)
  const forwardTo = urls.filter((u, i) => validUrl(u, `telemetry.forward_to[${i}]`, p)).map((u) => u.replace(/\/+$/, ''))
  return { forward_to: forwardTo }
}

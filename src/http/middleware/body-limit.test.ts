import { describe, expect, it } from 'bun:test'
import { bodyLimitOf, SMALL_BODY_BYTES } from './body-limit'

describe('the body limit of the routes that are not LLM routes', () => {
  it('lets through the routes that read and bound their own body, in their own error shape', () => {
    for (const path of ['/admin/keys', '/oauth/token', '/oauth/device_authorization', '/device', '/device/']) expect({ path, limit: bodyLimitOf(path, 1 << 25) }).toEqual({ path, limit: null })
  })

  it('bounds the console, admin and own-key routes to a small body, and OTLP to max_body_bytes', () => {
    for (const path of ['/console/api/session', '/admin/users/x/grants', '/keys', '/oauth/token/x', '/devices']) expect({ path, limit: bodyLimitOf(path, 1 << 25) }).toEqual({ path, limit: SMALL_BODY_BYTES })
    expect(bodyLimitOf('/v1/metrics', 1 << 25)).toBe(1 << 25)
  })
})

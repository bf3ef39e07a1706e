// The gateway's version, as `llm-gateway version` prints it and the OpenAPI document states it.
export const VERSION = '0.1.0'

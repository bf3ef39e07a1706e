// The log function the quota service and its parts write to: the gateway passes its logger, tests
// collect the lines. A plain function type, so that quota/ needs nothing from logging/.

export type QuotaLogLevel = 'debug' | 'info' | 'warn' | 'error'
export type QuotaLog = (level: QuotaLogLevel, msg: string, fields?: Record<string, unknown>) => void

// The arguments a client is handed for a function call: the model's JSON text when it forms an
// object, else `{}`. A call cut short (a stream that broke, a model out of tokens) would otherwise
// reach the client as a prefix (`{"cmd": "rm -rf /`) that a lenient parser could run.
import { isRecord } from '../convert/is-record'

export function completeArguments(json: string): string {
  if (json.trim() === '') return '{}'
  try {
    return isRecord(JSON.parse(json)) ? json : '{}'
  } catch {
    return '{}'
  }
}

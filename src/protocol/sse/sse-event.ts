// One Server-Sent Event as both APIs use it: an optional `event:` name and the joined `data:` lines.
export interface SSEEvent {
  event?: string
  data: string
}

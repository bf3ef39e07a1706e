import { describe, expect, it } from 'bun:test'
import { canonicalLlmPath, llmRouteFor } from './llm-routes'

describe('the LLM route table', () => {
  it('accepts a doubled /v1 prefix on every LLM route (a base URL that ends in /v1)', () => {
    expect(llmRouteFor('/v1/v1/messages')?.endpoint).toBe('messages')
    expect(llmRouteFor('/v1/v1/messages/count_tokens')?.endpoint).toBe('count_tokens')
    expect(llmRouteFor('/v1/v1/chat/completions/')?.endpoint).toBe('chat_completions')
    expect(canonicalLlmPath('/v1/v1/responses')).toBe('/v1/responses')
  })

  it('accepts the prefix doubled once only, and nothing that merely starts like a route', () => {
    expect(llmRouteFor('/v1/v1/v1/messages')).toBeNull()
    expect(llmRouteFor('/v1/messagesx')).toBeNull()
    expect(llmRouteFor('/v1v1/messages')).toBeNull()
    expect(llmRouteFor('/messages')).toBeNull()
  })
})

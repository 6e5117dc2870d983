/** A fake gateway for the tests: answers fetch by method and path, records every request. */
import { vi } from 'vitest'

import { ApiClient, setApiClient } from '@/api/client'

export interface Recorded {
  url: string
  method: string
  headers: Record<string, string>
  body: unknown
}

export type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  })
}

export function problem(status: number, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return json(
    { type: 'urn:gridgov:problem:x', title: 'X', status, detail: 'failed', errors: [], request_id: 'req-1', ...extra },
    status,
    headers,
  )
}

export function page<T>(items: T[], total = items.length): Record<string, unknown> {
  return { items, page: 1, page_size: 50, total }
}

/** A fetch that routes `METHOD /path` (without the query) to handlers; unknown paths answer 404. */
export function fakeFetch(routes: Record<string, Handler>, recorded: Recorded[] = []) {
  const impl = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://127.0.0.1:8000')
    const method = init.method ?? 'GET'
    recorded.push({
      url: `${url.pathname}${url.search}`,
      method,
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
    })
    const handler = routes[`${method} ${url.pathname}`]
    if (!handler) return problem(404)
    return handler(url, init)
  }
  return impl as typeof fetch
}

export function installClient(fetchImpl: typeof fetch, token = 'token-1') {
  const onUnauthorized = vi.fn()
  const client = new ApiClient({ getToken: async () => token, onUnauthorized, fetchImpl })
  setApiClient(client)
  return { client, onUnauthorized }
}

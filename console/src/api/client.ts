/**
 * The fetch wrapper every API call goes through: the gateway's `/api/<service>` base, a fresh
 * bearer token per request (refreshed when close to expiry), problem+json errors as `ApiError`,
 * 401 → log in again. One client is installed at start (`setApiClient`); tests make their own.
 */
import { ApiError, parseProblem } from './problem'

export type Service =
  | 'identity'
  | 'grid_registry'
  | 'event_intake'
  | 'patrol_tracking'
  | 'survey'
  | 'scoring'

export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue>

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Query
  /** A JSON body. */
  json?: unknown
  /** A multipart body (uploads). */
  form?: FormData
  signal?: AbortSignal
}

export interface ClientOptions {
  /** A valid access token (the auth module refreshes it when it is about to expire). */
  getToken: () => Promise<string>
  /** Called once per 401: the session is over, log in again. */
  onUnauthorized: () => void
  fetchImpl?: typeof fetch
  /** Where the gateway serves the APIs; default `/api`. */
  base?: string
}

export interface Download {
  blob: Blob
  filename: string | undefined
}

/** `?a=1&b=x`, leaving out empty values (undefined, null, ''). */
export function queryString(query: Query | undefined): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    params.append(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

/** The file name of a Content-Disposition header (RFC 6266: filename* in UTF-8 first). */
export function filenameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(disposition)
  const name = plain?.[2] ?? plain?.[1]
  return name ? name.trim() : undefined
}

export class ApiClient {
  private readonly options: ClientOptions
  private readonly fetchImpl: typeof fetch

  constructor(options: ClientOptions) {
    this.options = options
    this.fetchImpl = options.fetchImpl ?? ((input, init) => globalThis.fetch(input, init))
  }

  url(service: Service, path: string, query?: Query): string {
    const base = this.options.base ?? '/api'
    const tail = path.startsWith('/') ? path : `/${path}`
    return `${base}/${service}${tail}${queryString(query)}`
  }

  private async send(service: Service, path: string, options: RequestOptions, accept: string): Promise<Response> {
    let token: string
    try {
      token = await this.options.getToken()
    } catch {
      this.options.onUnauthorized()
      throw new ApiError({ status: 401 })
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: accept }
    let body: BodyInit | undefined
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(options.json)
    } else if (options.form !== undefined) {
      body = options.form // the browser sets the multipart boundary
    }
    let response: Response
    try {
      response = await this.fetchImpl(this.url(service, path, options.query), {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
        signal: options.signal,
        credentials: 'same-origin',
      })
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error
      throw new ApiError({ status: 0 })
    }
    if (!response.ok) {
      const problem = parseProblem(response.status, await readBody(response), response.headers)
      if (response.status === 401) this.options.onUnauthorized()
      throw problem
    }
    return response
  }

  /** A JSON answer (undefined for 204). */
  async request<T>(service: Service, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(service, path, options, 'application/json, application/problem+json')
    if (response.status === 204) return undefined as T
    return (await response.json()) as T
  }

  get<T>(service: Service, path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>(service, path, { query, signal })
  }

  post<T>(service: Service, path: string, json?: unknown): Promise<T> {
    return this.request<T>(service, path, { method: 'POST', json: json ?? {} })
  }

  /** Bytes (a photo, an .xlsx export) with the file name the service gave them. */
  async download(service: Service, path: string, query?: Query, signal?: AbortSignal): Promise<Download> {
    const response = await this.send(service, path, { query, signal }, '*/*')
    return {
      blob: await response.blob(),
      filename: filenameOf(response.headers.get('Content-Disposition')),
    }
  }
}

async function readBody(response: Response): Promise<unknown> {
  const type = response.headers.get('Content-Type') ?? ''
  try {
    if (type.includes('json')) return await response.json()
    await response.text()
  } catch {
    /* a body that is not what it says: the status speaks */
  }
  return undefined
}

let installed: ApiClient | null = null

export function setApiClient(client: ApiClient | null): void {
  installed = client
}

/** The client installed at start. */
export function api(): ApiClient {
  if (!installed) throw new Error('API client not initialised')
  return installed
}

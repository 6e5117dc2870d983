import { describe, expect, it, vi } from 'vitest'

import { ApiClient, filenameOf, queryString } from '@/api/client'
import { ApiError } from '@/api/problem'
import { fakeFetch, json, problem, type Recorded } from './helpers'

function client(routes: Parameters<typeof fakeFetch>[0], recorded: Recorded[] = [], getToken = async () => 'tok') {
  const onUnauthorized = vi.fn()
  const api = new ApiClient({ getToken, onUnauthorized, fetchImpl: fakeFetch(routes, recorded) })
  return { api, onUnauthorized }
}

describe('API client', () => {
  it('calls /api/<service> with a fresh bearer token and leaves empty filters out', async () => {
    const recorded: Recorded[] = []
    let n = 0
    const { api } = client({ 'GET /api/event_intake/events': () => json({ items: [], total: 0 }) }, recorded, async () => {
      n += 1
      return `tok-${n}`
    })
    await api.get('event_intake', '/events', { state: 'reported', grid_id: '', category: undefined, overdue: true, page: 2 })
    await api.get('event_intake', '/events')
    expect(recorded[0]?.url).toBe('/api/event_intake/events?state=reported&overdue=true&page=2')
    expect(recorded[0]?.headers.Authorization).toBe('Bearer tok-1')
    expect(recorded[1]?.headers.Authorization).toBe('Bearer tok-2')
    expect(recorded[0]?.headers.Accept).toContain('application/problem+json')
  })

  it('sends JSON bodies as JSON', async () => {
    const recorded: Recorded[] = []
    const { api } = client({ 'POST /api/event_intake/events/e1/actions': () => json({ event_id: 'e1' }) }, recorded)
    const answer = await api.post<{ event_id: string }>('event_intake', '/events/e1/actions', { action: 'accept' })
    expect(answer.event_id).toBe('e1')
    expect(recorded[0]?.method).toBe('POST')
    expect(recorded[0]?.headers['Content-Type']).toBe('application/json')
    expect(recorded[0]?.body).toEqual({ action: 'accept' })
  })

  it('turns a problem into an ApiError naming the field', async () => {
    const { api, onUnauthorized } = client({
      'POST /api/event_intake/events': () =>
        problem(422, { errors: [{ field: 'category', reason: 'Missing data for required field.' }] }),
    })
    const error = await api.post('event_intake', '/events', {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(422)
    expect((error as ApiError).message).toBe('提交内容有误：事项分类：为必填项')
    expect((error as ApiError).fieldErrors).toEqual({ category: '为必填项' })
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('asks for a new login on 401', async () => {
    const { api, onUnauthorized } = client({ 'GET /api/identity/me': () => problem(401) })
    const error = await api.get('identity', '/me').catch((e: unknown) => e)
    expect((error as ApiError).status).toBe(401)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('asks for a new login when no token can be had, without calling the API', async () => {
    const recorded: Recorded[] = []
    const { api, onUnauthorized } = client({}, recorded, async () => {
      throw new Error('refresh token expired')
    })
    const error = await api.get('identity', '/me').catch((e: unknown) => e)
    expect((error as ApiError).status).toBe(401)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    expect(recorded).toHaveLength(0)
  })

  it('says the service is unavailable on 503 with Retry-After, and on 429', async () => {
    const { api } = client({
      'GET /api/scoring/district/report': () => problem(503, {}, { 'Retry-After': '5' }),
      'GET /api/patrol_tracking/days': () => problem(429, { type: 'urn:gridgov:problem:rate-limited' }, { 'Retry-After': '30' }),
    })
    const down = (await api.get('scoring', '/district/report').catch((e: unknown) => e)) as ApiError
    expect(down.message).toBe('服务暂时不可用，请稍后重试（约 5 秒后）')
    const limited = (await api.get('patrol_tracking', '/days').catch((e: unknown) => e)) as ApiError
    expect(limited.status).toBe(429)
    expect(limited.retryAfter).toBe(30)
    expect(limited.message).toBe('服务暂时不可用，请稍后重试（约 30 秒后）')
  })

  it('reports a network failure as status 0', async () => {
    const api = new ApiClient({
      getToken: async () => 't',
      onUnauthorized: vi.fn(),
      fetchImpl: async () => {
        throw new TypeError('Failed to fetch')
      },
    })
    const error = (await api.get('identity', '/me').catch((e: unknown) => e)) as ApiError
    expect(error.status).toBe(0)
    expect(error.message).toBe('网络连接失败，请检查网络后重试')
  })

  it('downloads a file with the token and the name the service gave it', async () => {
    const recorded: Recorded[] = []
    const { api } = client(
      {
        'GET /api/patrol_tracking/days/export': () =>
          new Response(new Blob(['xlsx-bytes']), {
            status: 200,
            headers: {
              'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
              'Content-Disposition': "attachment; filename=days.xlsx; filename*=UTF-8''%E5%B7%A1%E6%9F%A5%E6%97%A5%E6%8A%A5.xlsx",
            },
          }),
      },
      recorded,
    )
    const file = await api.download('patrol_tracking', '/days/export', { day: '2026-11-28' })
    expect(file.filename).toBe('巡查日报.xlsx')
    expect(await file.blob.text()).toBe('xlsx-bytes')
    expect(recorded[0]?.headers.Authorization).toBe('Bearer tok')
    expect(recorded[0]?.url).toBe('/api/patrol_tracking/days/export?day=2026-11-28')
  })

  it('reads plain and RFC 5987 file names', () => {
    expect(filenameOf('attachment; filename="report.xlsx"')).toBe('report.xlsx')
    expect(filenameOf('attachment; filename=report.xlsx')).toBe('report.xlsx')
    expect(filenameOf(null)).toBeUndefined()
    expect(queryString({ a: 1, b: null, c: '' })).toBe('?a=1')
    expect(queryString({})).toBe('')
  })
})

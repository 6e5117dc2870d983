import { describe, expect, it } from 'vitest'

import { ApiError, describeProblem, parseProblem, parseRetryAfter, translateReason } from '@/api/problem'

describe('problem+json parsing', () => {
  it('reads a validation problem and names each field and reason in Chinese', () => {
    const error = parseProblem(422, {
      type: 'urn:gridgov:problem:validation-failed',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'the request has invalid fields',
      instance: '/events',
      errors: [
        { field: 'title', reason: 'Missing data for required field.' },
        { field: 'position.lat', reason: 'Must be greater than or equal to -90 and less than or equal to 90.' },
      ],
      request_id: 'abc',
    })
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(422)
    expect(error.type).toBe('urn:gridgov:problem:validation-failed')
    expect(error.requestId).toBe('abc')
    expect(error.message).toBe('提交内容有误：标题：为必填项；纬度：须在 -90 到 90 之间')
    expect(error.fieldErrors).toEqual({ title: '为必填项', 'position.lat': '须在 -90 到 90 之间' })
  })

  it('accepts field problems that say `message` instead of `reason`', () => {
    const error = parseProblem(422, { errors: [{ field: 'period', message: 'is not a period' }] })
    expect(error.errors).toEqual([{ field: 'period', reason: 'is not a period' }])
    expect(error.message).toBe('提交内容有误：统计期：is not a period')
  })

  it('keeps an unknown field path and an untranslated reason as they are', () => {
    const error = parseProblem(422, { errors: [{ field: 'points[7].lat', reason: 'too far in the future' }] })
    expect(error.message).toContain('points[7].lat：too far in the future')
  })

  it('says to retry later on 503 and 429, with Retry-After', () => {
    const headers = new Headers({ 'Retry-After': '7' })
    const unavailable = parseProblem(503, { status: 503, detail: 'the scoring API is not answering' }, headers)
    expect(unavailable.message).toBe('服务暂时不可用，请稍后重试（约 7 秒后）')
    expect(unavailable.retryAfter).toBe(7)
    expect(unavailable.isTemporary).toBe(true)
    const limited = parseProblem(429, {}, new Headers())
    expect(limited.message).toBe('服务暂时不可用，请稍后重试')
  })

  it('answers by status when the body is not a problem document', () => {
    expect(parseProblem(502, undefined).message).toBe('服务暂时不可用，请稍后重试')
    expect(parseProblem(403, 'Forbidden').message).toBe('当前账号的角色无权执行此操作')
    expect(parseProblem(404, null).message).toBe('未找到该记录（可能不存在或不属于本单位）')
    expect(parseProblem(500, {}, new Headers({ 'X-Request-ID': 'r-9' })).message).toContain('请求号 r-9')
  })

  it('uses the HTTP status even if the body says another', () => {
    expect(parseProblem(409, { status: 200, detail: 'cannot close an event that is reported' }).status).toBe(409)
  })

  it('explains conflicts with the service detail', () => {
    expect(describeProblem({ status: 409, detail: 'cannot close an event that is reported' })).toBe(
      '操作未完成：cannot close an event that is reported。请刷新后重试',
    )
  })

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('12')).toBe(12)
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    const now = Date.parse('2026-11-29T10:00:00Z')
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:00:30 GMT', now)).toBe(30)
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:59:00 GMT', now)).toBe(0)
  })

  it('translates stock validation messages', () => {
    expect(translateReason('Must be one of: grid, village.')).toBe('须为以下之一：grid, village')
    expect(translateReason('Length must be between 1 and 100.')).toBe('长度须在 1 到 100 之间')
    expect(translateReason('must be above grid')).toBe('must be above grid')
  })
})

/**
 * RFC 9457 problem details as every GridGov service and the gateway answer them
 * (shared/http/problems.py): {type, title, status, detail, instance, errors: [{field, reason}],
 * request_id}. `ApiError` carries one, with a Chinese message that names the field and why.
 */

export interface FieldProblem {
  field: string
  reason: string
}

export interface ProblemDocument {
  type?: string
  title?: string
  status?: number
  detail?: string
  instance?: string
  errors?: FieldProblem[]
  request_id?: string
}

export const UNAVAILABLE_MESSAGE = '服务暂时不可用，请稍后重试'

/** Chinese names of the request fields the console sends (query and body). */
export const FIELD_LABELS: Record<string, string> = {
  action: '操作',
  address: '地址',
  category: '事项分类',
  day: '日期',
  department_id: '职能部门',
  description: '描述',
  division_id: '村/社区',
  extended_until: '延期至',
  extra_days: '延长工作日',
  extra_hours: '延长工作小时',
  file: '文件',
  from: '起始期',
  grid_id: '网格',
  kind: '类型',
  level: '层级',
  limit: '最多行数',
  merged_into: '合并到',
  month: '月份',
  outcome: '审核结论',
  overdue: '是否超期',
  page: '页码',
  page_size: '每页条数',
  period: '统计期',
  position: '位置',
  'position.lat': '纬度',
  'position.lon': '经度',
  reason: '原因',
  reported_from: '上报日期起',
  reported_to: '上报日期止',
  request_id: '请求号',
  source: '来源',
  state: '状态',
  status: '状态',
  title: '标题',
  to: '截止期',
  unqualified_reason: '不合格原因',
  within_minutes: '最近定位分钟数',
  worker_id: '网格员',
}

const REASONS: Array<[RegExp, string]> = [
  [/^Missing data for required field\.?$/, '为必填项'],
  [/^Field may not be null\.?$/, '不能为空'],
  [/^Unknown field\.?$/, '不是可识别的字段'],
  [/^Not a valid date\.?$/, '不是有效日期'],
  [/^Not a valid datetime\.?$/, '不是有效的日期时间'],
  [/^Not a valid integer\.?$/, '不是有效整数'],
  [/^Not a valid number\.?$/, '不是有效数字'],
  [/^Not a valid (string|text)\.?$/, '不是有效文本'],
  [/^Not a valid boolean\.?$/, '不是有效的是/否值'],
  [/^Shorter than minimum length (\d+)\.?$/, '长度不能少于 $1'],
  [/^Longer than maximum length (\d+)\.?$/, '长度不能超过 $1'],
  [/^Length must be between (\d+) and (\d+)\.?$/, '长度须在 $1 到 $2 之间'],
  [/^Must be one of: (.*)\.$/, '须为以下之一：$1'],
  [/^Must be greater than or equal to (\S+) and less than or equal to (\S+?)\.?$/, '须在 $1 到 $2 之间'],
  [/^Must be greater than or equal to (\S+?)\.?$/, '不能小于 $1'],
  [/^Must be less than or equal to (\S+?)\.?$/, '不能大于 $1'],
]

/** The service's reason in Chinese where it is one of marshmallow's stock messages. */
export function translateReason(reason: string): string {
  for (const [pattern, text] of REASONS) {
    if (pattern.test(reason)) return reason.replace(pattern, text)
  }
  return reason
}

/** `points[7].lat` → 纬度 only when the whole path is known; otherwise the path itself. */
export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? FIELD_LABELS[field.replace(/^(body|query)\./, '')] ?? field
}

export class ApiError extends Error {
  readonly status: number
  readonly type: string
  readonly title: string
  readonly detail: string
  readonly errors: FieldProblem[]
  readonly requestId: string | undefined
  /** Seconds to wait, from Retry-After (429, 503). */
  readonly retryAfter: number | undefined

  constructor(init: {
    status: number
    type?: string
    title?: string
    detail?: string
    errors?: FieldProblem[]
    requestId?: string
    retryAfter?: number
    message?: string
  }) {
    const base = {
      status: init.status,
      type: init.type ?? 'about:blank',
      title: init.title ?? '',
      detail: init.detail ?? '',
      errors: init.errors ?? [],
      requestId: init.requestId,
      retryAfter: init.retryAfter,
    }
    super(init.message ?? describeProblem(base))
    this.name = 'ApiError'
    this.status = base.status
    this.type = base.type
    this.title = base.title
    this.detail = base.detail
    this.errors = base.errors
    this.requestId = base.requestId
    this.retryAfter = base.retryAfter
  }

  /** True for a temporary outage or a rate limit: try again later. */
  get isTemporary(): boolean {
    return this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504
  }

  /** field → reason (in Chinese where known), for ElFormItem `error`. */
  get fieldErrors(): Record<string, string> {
    const found: Record<string, string> = {}
    for (const problem of this.errors) {
      const key = problem.field.replace(/^(body|query)\./, '')
      found[key] = found[key] ? `${found[key]}；${translateReason(problem.reason)}` : translateReason(problem.reason)
    }
    return found
  }
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, Math.ceil((at - now) / 1000))
}

function fieldMessages(errors: FieldProblem[]): string {
  return errors.map((e) => `${fieldLabel(e.field)}：${translateReason(e.reason)}`).join('；')
}

/** The Chinese message for a failed request (what ElMessage shows). */
export function describeProblem(p: {
  status: number
  detail?: string
  errors?: FieldProblem[]
  requestId?: string
  retryAfter?: number
}): string {
  const errors = p.errors ?? []
  const detail = p.detail ?? ''
  const wait = p.retryAfter !== undefined ? `（约 ${p.retryAfter} 秒后）` : ''
  switch (p.status) {
    case 0:
      return '网络连接失败，请检查网络后重试'
    case 401:
      return '登录已失效，请重新登录'
    case 403:
      return '当前账号的角色无权执行此操作'
    case 404:
      return '未找到该记录（可能不存在或不属于本单位）'
    case 409:
      return `操作未完成：${detail || '数据已被他人修改'}。请刷新后重试`
    case 413:
      return '提交的内容或文件过大'
    case 415:
      return '文件类型不支持'
    case 400:
    case 422:
      if (errors.length > 0) return `提交内容有误：${fieldMessages(errors)}`
      return `提交内容有误：${detail || '请检查后重试'}`
    case 429:
    case 502:
    case 503:
    case 504:
      return `${UNAVAILABLE_MESSAGE}${wait}`
    default:
      if (p.status >= 500) {
        return `服务器内部错误${p.requestId ? `（请求号 ${p.requestId}）` : ''}，请稍后重试`
      }
      return detail || `请求失败（HTTP ${p.status}）`
  }
}

function isFieldProblem(value: unknown): value is FieldProblem {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.field === 'string' && (typeof v.reason === 'string' || typeof v.message === 'string')
}

/**
 * An `ApiError` from a response's status, headers and parsed body (problem+json, or anything
 * else a proxy may answer). Field problems may say `reason` (the platform) or `message`.
 */
export function parseProblem(status: number, body: unknown, headers?: Headers, now?: number): ApiError {
  const doc = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const rawErrors = Array.isArray(doc.errors) ? doc.errors : []
  const errors: FieldProblem[] = rawErrors.filter(isFieldProblem).map((e) => {
    const raw = e as unknown as Record<string, unknown>
    return { field: String(raw.field), reason: String(raw.reason ?? raw.message) }
  })
  const str = (key: string) => (typeof doc[key] === 'string' ? (doc[key] as string) : undefined)
  const requestId = str('request_id') ?? headers?.get('X-Request-ID') ?? undefined
  return new ApiError({
    status,
    type: str('type'),
    title: str('title'),
    detail: str('detail'),
    errors,
    requestId,
    retryAfter: parseRetryAfter(headers?.get('Retry-After'), now),
  })
}

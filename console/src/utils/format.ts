/** Dates, times and figures as a Chinese government console shows them (Asia/Shanghai). */

export const TIME_ZONE = 'Asia/Shanghai'

const dateParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

const dateTimeParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

function parts(format: Intl.DateTimeFormat, at: Date): Record<string, string> {
  const found: Record<string, string> = {}
  for (const part of format.formatToParts(at)) found[part.type] = part.value
  return found
}

/** YYYY-MM-DD of `at` in Asia/Shanghai. */
export function shanghaiDay(at: Date = new Date()): string {
  const p = parts(dateParts, at)
  return `${p.year}-${p.month}-${p.day}`
}

/** YYYY-MM of `at` in Asia/Shanghai. */
export function shanghaiMonth(at: Date = new Date()): string {
  return shanghaiDay(at).slice(0, 7)
}

/** A calendar day `days` after `day` (YYYY-MM-DD, no time zone involved). */
export function addDays(day: string, days: number): string {
  const at = new Date(`${day}T00:00:00Z`)
  at.setUTCDate(at.getUTCDate() + days)
  return at.toISOString().slice(0, 10)
}

/** The month `months` after `month` (YYYY-MM). */
export function addMonths(month: string, months: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const index = y * 12 + (m - 1) + months
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

/** 2026-11-29 14:05 in Asia/Shanghai; '—' for nothing. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const p = parts(dateTimeParts, at)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** 2 小时 5 分 from seconds. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null) return '—'
  const minutes = Math.round(seconds / 60)
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  if (h === 0) return `${m} 分钟`
  return m === 0 ? `${h} 小时` : `${h} 小时 ${m} 分`
}

/** '83.33%' from a percent string; '—' when there is no denominator. */
export function formatPercent(percent: string | number | null | undefined): string {
  if (percent == null || percent === '') return '—'
  const value = Number(percent)
  if (Number.isNaN(value)) return String(percent)
  return `${value.toFixed(2).replace(/\.?0+$/, '')}%`
}

/** Time left until (or past) a deadline, e.g. '剩余 3 小时' / '已超期 2 天'. */
export function timeLeft(deadline: string | null | undefined, now: number = Date.now()): string {
  if (!deadline) return ''
  const diff = new Date(deadline).getTime() - now
  const abs = Math.abs(diff)
  const hours = Math.floor(abs / 3_600_000)
  const text = hours >= 24 ? `${Math.floor(hours / 24)} 天` : hours >= 1 ? `${hours} 小时` : `${Math.max(1, Math.floor(abs / 60_000))} 分钟`
  return diff >= 0 ? `剩余 ${text}` : `已超期 ${text}`
}

/** The last characters of an id, for a person or grid the console cannot name. */
export function shortId(id: string | null | undefined): string {
  if (!id) return '—'
  return id.length > 8 ? `…${id.slice(-6)}` : id
}

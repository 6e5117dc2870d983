/**
 * The dashboard's figures, counted from the lists the services answer (there is no statistics
 * endpoint): one page of up to 200 rows grouped here when it holds them all, else one count
 * query (page_size=1 → total) per group.
 */
import { countEvents, listEvents, type EventFilter, type EventState, type EventSummary } from '@/api/event_intake'
import { countDays, listDays, type DayFilter, type DayStatus, type PatrolDay } from '@/api/patrol_tracking'
import { MAX_PAGE_SIZE } from '@/api/types'
import { STATE_ORDER } from '@/domain/labels'
import { addDays, shanghaiDay } from '@/utils/format'

export const DAY_STATUSES: DayStatus[] = ['open', 'passed', 'failed', 'not_patrolled', 'excused', 'rest_day']

export function countBy<T, K extends string>(items: readonly T[], keys: readonly K[], keyOf: (item: T) => string): Record<K, number> {
  const counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
  for (const item of items) {
    const key = keyOf(item) as K
    if (key in counts) counts[key] += 1
  }
  return counts
}

async function grouped<T, K extends string>(
  keys: readonly K[],
  firstPage: () => Promise<{ items: T[]; total: number }>,
  keyOf: (item: T) => string,
  countOne: (key: K) => Promise<number>,
): Promise<Record<K, number>> {
  const page = await firstPage()
  if (page.total <= page.items.length) return countBy(page.items, keys, keyOf)
  const counts = await Promise.all(keys.map((k) => countOne(k)))
  return Object.fromEntries(keys.map((k, i) => [k, counts[i] ?? 0])) as Record<K, number>
}

/** Events reported on `day` per state. */
export function eventsByState(day: string, signal?: AbortSignal): Promise<Record<EventState, number>> {
  const where: EventFilter = { reported_from: day, reported_to: day }
  return grouped(
    STATE_ORDER,
    () => listEvents({ ...where, page_size: MAX_PAGE_SIZE }, signal),
    (e: EventSummary) => e.state,
    (state) => countEvents({ ...where, state }, signal),
  )
}

/** Events reported on each of the `n` days up to `today`, oldest first. */
export async function eventsPerDay(today: string, n: number, signal?: AbortSignal): Promise<Array<{ day: string; count: number }>> {
  const days = Array.from({ length: n }, (_, i) => addDays(today, i - n + 1))
  const counts = await grouped(
    days,
    () => listEvents({ reported_from: days[0], reported_to: today, page_size: MAX_PAGE_SIZE }, signal),
    (e: EventSummary) => shanghaiDay(new Date(e.reported_at)),
    (day) => countEvents({ reported_from: day, reported_to: day }, signal),
  )
  return days.map((day) => ({ day, count: counts[day] ?? 0 }))
}

export interface Backlog {
  awaitingAcceptance: number
  overdueAcceptance: number
  overdueClosure: number
}

/** Waiting for acceptance, and overdue (acceptance: still reported; closure: the rest). */
export async function backlog(signal?: AbortSignal): Promise<Backlog> {
  const [awaiting, overdue, overdueReported] = await Promise.all([
    countEvents({ state: 'reported' }, signal),
    countEvents({ overdue: true }, signal),
    countEvents({ overdue: true, state: 'reported' }, signal),
  ])
  return {
    awaitingAcceptance: awaiting,
    overdueAcceptance: overdueReported,
    overdueClosure: Math.max(0, overdue - overdueReported),
  }
}

/** Worker-days of `day` per status. */
export function daysByStatus(day: string, signal?: AbortSignal): Promise<Record<DayStatus, number>> {
  const where: DayFilter = { day }
  return grouped(
    DAY_STATUSES,
    () => listDays({ ...where, page_size: MAX_PAGE_SIZE }, signal),
    (d: PatrolDay) => d.status,
    (status) => countDays({ ...where, status }, signal),
  )
}

/** 达标率: passed over the working days judged (rest days, excused and open left out). */
export function passRate(counts: Record<DayStatus, number>): number | null {
  const judged = counts.passed + counts.failed + counts.not_patrolled
  return judged === 0 ? null : (100 * counts.passed) / judged
}

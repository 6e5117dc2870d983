/** patrol_tracking (巡查): the daily compliance table, its export, months, who patrols now. */
import { api, type Download } from './client'
import type { Page, Paging } from './types'

export type DayStatus = 'open' | 'passed' | 'failed' | 'not_patrolled' | 'excused' | 'rest_day'
export type MonthDayStatus = DayStatus | 'not_judged'
export type GapKind = 'phone_silent' | 'gps_off' | 'battery_saver' | 'not_patrolling'

export interface Reason {
  code: string
  message: string
  actual: string
  required: string
  unit: string
}

export interface Gap {
  start: string
  end: string
  kind: GapKind
  seconds: number
}

export interface Visit {
  subject_id: string
  category: string
  start: string
  end: string
}

export interface PatrolDay {
  worker_id: string
  day: string
  status: MonthDayStatus
  final: boolean
  version: number
  short: boolean | null
  reasons: Reason[]
  leave_id: string | null
  grid_id: string | null
  grid_ids: string[]
  division_id: string | null
  grid_type: string | null
  workday: boolean
  online_s: number
  patrol_s: number
  distance_m: number
  km: string
  own_grid_s: number
  own_grid_m: number
  morning: boolean
  afternoon: boolean
  sessions: number
  points_accepted: number
  points_rejected: number
  gaps: Gap[]
  gap_class: GapKind | null
  visits: Visit[]
  last_fix_at: string | null
}

export interface DayFilter {
  day?: string
  month?: string
  worker_id?: string
  grid_id?: string
  division_id?: string
  status?: DayStatus | ''
}

export interface Counts {
  passed: number
  failed: number
  not_patrolled: number
  short: number
  excused: number
  rest: number
  failing: number
  judged: number
}

export interface MonthTotals {
  month: string
  patrol_s: number
  distance_m: number
  km: string
  counts: Counts
  failing_days: number
  longest_failing_streak: number
  forfeits_subsidy: boolean
}

export interface PatrolRules {
  min_patrol_minutes_day: number
  min_km_day: string
  require_morning: boolean
  require_afternoon: boolean
  [key: string]: unknown
}

export interface WorkerMonth {
  worker_id: string
  month: string
  grid_type: string | null
  rules: PatrolRules
  days: PatrolDay[]
  totals: MonthTotals
  open_days: number
}

export interface LivePatroller {
  worker_id: string
  last_fix_at: string
  lon: number | null
  lat: number | null
  grid_id: string | null
  patrol_s: number
  distance_m: number
  km: string
}

export interface LiveBoard {
  day: string
  as_of: string
  within_minutes: number
  total: number
  items: LivePatroller[]
}

const S = 'patrol_tracking'

export function listDays(filter: DayFilter & Paging, signal?: AbortSignal): Promise<Page<PatrolDay>> {
  return api().get<Page<PatrolDay>>(S, '/days', { ...filter }, signal)
}

export async function countDays(filter: DayFilter, signal?: AbortSignal): Promise<number> {
  return (await listDays({ ...filter, page: 1, page_size: 1 }, signal)).total
}

/** 巡查日报导出 (.xlsx); the centre only. */
export function exportDays(filter: DayFilter): Promise<Download> {
  return api().download(S, '/days/export', { ...filter })
}

export function livePatrols(withinMinutes = 15, signal?: AbortSignal): Promise<LiveBoard> {
  return api().get<LiveBoard>(S, '/patrols/live', { within_minutes: withinMinutes }, signal)
}

/** The caller's own month (grid roles). */
export function myMonth(month?: string, signal?: AbortSignal): Promise<WorkerMonth> {
  return api().get<WorkerMonth>(S, '/me/month', { month }, signal)
}

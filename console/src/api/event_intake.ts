/** event_intake (事项): events and their workflow, photos, categories, departments. */
import { api, type Download } from './client'
import type { Page, Paging } from './types'

export type EventState =
  | 'reported'
  | 'accepted'
  | 'dispatched'
  | 'escalated'
  | 'in_progress'
  | 'resolved'
  | 'closed'
  | 'returned'
  | 'rejected'
  | 'suspended'
  | 'merged'

export type EventSource =
  | 'grid_app'
  | 'web'
  | 'hotline_12345'
  | 'inspector_patrol'
  | 'inspector_spot_check'
  | 'resident_complaint'
  | 'centre_dispatch'

export type EventLevel = 'grid' | 'village' | 'town' | 'district'

export type EventAction =
  | 'accept'
  | 'dispatch'
  | 'escalate'
  | 'start'
  | 'resolve'
  | 'close'
  | 'return'
  | 'reopen'
  | 'reject_invalid'
  | 'suspend'
  | 'resume'
  | 'extend'
  | 'review'
  | 'mark_shirked'
  | 'merge'
  | 'flag_late_report'

export type ActingAs = 'grid_worker' | 'centre' | 'department' | 'inspector' | 'system'
export type ReviewOutcome = 'valid' | 'unqualified' | 'false'
export type UnqualifiedReason = 'incomplete' | 'photo_missing' | 'unclear' | 'title_mismatch' | 'duplicate'
export type Deadline = 'acceptance' | 'closure'

export interface Position {
  lon: number
  lat: number
}

export interface EventSummary {
  event_id: string
  grid_id: string
  category: string
  source: EventSource
  title: string
  level: EventLevel
  state: EventState
  reported_at: string
  acceptance_deadline: string
  closure_deadline: string | null
  accepted_on_time: boolean | null
  closed_on_time: boolean | null
  overdue: Deadline[]
}

export interface HistoryEntry {
  action: EventAction | 'report'
  actor: string
  acting_as: ActingAs
  at: string
  from_state: EventState | null
  to_state: EventState
  reason: string | null
  request_id: string | null
  level: EventLevel | null
  department_id: string | null
}

export interface EventPause {
  kind: string
  start: string
  end: string | null
}

export interface EventDetail extends EventSummary {
  division_id: string | null
  reporter_id: string
  reporter_role: ActingAs
  description: string
  address: string
  position: Position | null
  accepted_at: string | null
  resolved_at: string | null
  closed_at: string | null
  department_id: string | null
  suspended_from: EventState | null
  pauses: EventPause[]
  extended_until: string | null
  review_outcome: ReviewOutcome | null
  unqualified_reason: UnqualifiedReason | null
  shirked: boolean
  late_report: boolean
  merged_into: string | null
  history: HistoryEntry[]
  revision: number
}

export interface Suggestion {
  event_id: string
  state: EventState
  grid_id: string
  reported_at: string
  distance_m: number | null
}

export interface Reported extends EventDetail {
  possible_duplicates: Suggestion[]
}

export interface EventFilter {
  state?: EventState | ''
  category?: string
  grid_id?: string
  division_id?: string
  source?: EventSource | ''
  overdue?: boolean
  reported_from?: string
  reported_to?: string
}

export interface ReportBody {
  source: EventSource
  category: string
  title: string
  description?: string
  address?: string
  position?: Position | null
  grid_id?: string | null
  level?: EventLevel
  request_id?: string
}

export interface ActionBody {
  action: EventAction
  reason?: string | null
  request_id?: string
  level?: EventLevel
  department_id?: string
  extended_until?: string
  extra_days?: number
  extra_hours?: string
  outcome?: ReviewOutcome
  unqualified_reason?: UnqualifiedReason
  merged_into?: string
}

export interface Span {
  days: number
  hours: string
}

export interface Category {
  code: string
  name: string
  acceptance: Span
  closure: Span
}

export interface IntakeSettings {
  categories: Category[]
  extra_holidays: string[]
  extra_workdays: string[]
  working_hours: { start: string; end: string }
  duplicate_radius_m: number
  duplicate_window_hours: number
  revision: number
}

export interface Department {
  department_id: string
  code: string
  name: string
  member_ids: string[]
  active: boolean
}

export type PhotoKind = 'before' | 'after'

export interface EventPhoto {
  photo_id: string
  event_id: string
  kind: PhotoKind
  content_type: string
  size: number
  width: number
  height: number
  position: Position | null
  uploaded_at: string
  uploaded_by: string
  sha256: string
}

const S = 'event_intake'

export function listEvents(filter: EventFilter & Paging, signal?: AbortSignal): Promise<Page<EventSummary>> {
  return api().get<Page<EventSummary>>(S, '/events', { ...filter }, signal)
}

/** How many events match (one row asked for: the answer's `total`). */
export async function countEvents(filter: EventFilter, signal?: AbortSignal): Promise<number> {
  const page = await listEvents({ ...filter, page: 1, page_size: 1 }, signal)
  return page.total
}

export function getEvent(eventId: string, signal?: AbortSignal): Promise<EventDetail> {
  return api().get<EventDetail>(S, `/events/${encodeURIComponent(eventId)}`, undefined, signal)
}

export function reportEvent(body: ReportBody): Promise<Reported> {
  return api().post<Reported>(S, '/events', body)
}

export function actOnEvent(eventId: string, body: ActionBody): Promise<EventDetail> {
  return api().post<EventDetail>(S, `/events/${encodeURIComponent(eventId)}/actions`, body)
}

export function eventDuplicates(eventId: string): Promise<{ items: Suggestion[] }> {
  return api().get(S, `/events/${encodeURIComponent(eventId)}/duplicates`)
}

export function eventMerged(eventId: string): Promise<{ event_id: string; merged: string[] }> {
  return api().get(S, `/events/${encodeURIComponent(eventId)}/merged`)
}

export function listEventPhotos(eventId: string, paging: Paging = {}): Promise<Page<EventPhoto>> {
  return api().get(S, `/events/${encodeURIComponent(eventId)}/photos`, { ...paging })
}

export function eventPhoto(eventId: string, photoId: string, thumbnail: boolean, signal?: AbortSignal): Promise<Download> {
  const tail = thumbnail ? '/thumbnail' : ''
  return api().download(
    S,
    `/events/${encodeURIComponent(eventId)}/photos/${encodeURIComponent(photoId)}${tail}`,
    undefined,
    signal,
  )
}

export function uploadEventPhoto(eventId: string, file: File, kind: PhotoKind): Promise<EventPhoto> {
  const form = new FormData()
  form.append('kind', kind)
  form.append('file', file)
  return api().request<EventPhoto>(S, `/events/${encodeURIComponent(eventId)}/photos`, { method: 'POST', form })
}

export function getIntakeSettings(): Promise<IntakeSettings> {
  return api().get<IntakeSettings>(S, '/settings')
}

export function listDepartments(paging: Paging = { page_size: 200 }): Promise<Page<Department>> {
  return api().get<Page<Department>>(S, '/departments', { ...paging })
}

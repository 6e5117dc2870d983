/**
 * Which workflow actions to offer on an event: event_intake's `TRANSITIONS` (state × action) and
 * `ROLE_RULES` (who may) as services/event_intake/domain/events.py states them. The console only
 * hides what cannot succeed; the service decides (409 for the state, 403 for the caller).
 */
import type { ActingAs, EventAction, EventDetail, EventLevel, EventSource, EventState } from '@/api/event_intake'
import { CENTRE, hasAnyRole } from '@/auth/roles'

const OPEN: EventState[] = ['accepted', 'dispatched', 'escalated', 'in_progress', 'returned']

const TRANSITIONS: Partial<Record<EventState, EventAction[]>> = {
  reported: ['accept', 'reject_invalid', 'merge'],
  accepted: ['dispatch', 'escalate', 'start', 'reject_invalid', 'merge'],
  dispatched: ['start', 'escalate', 'return'],
  escalated: ['dispatch', 'escalate', 'start', 'return'],
  in_progress: ['resolve', 'escalate', 'return'],
  resolved: ['close', 'reopen'],
  closed: ['reopen'],
  returned: ['dispatch', 'escalate', 'start', 'reject_invalid', 'mark_shirked'],
  suspended: ['resume'],
}

/** The actions `state` allows (before asking who may take them). */
export function actionsInState(state: EventState): EventAction[] {
  const found = [...(TRANSITIONS[state] ?? [])]
  if (OPEN.includes(state)) found.push('suspend')
  if (OPEN.includes(state) || state === 'suspended') found.push('extend')
  found.push('review')
  if (state !== 'merged') found.push('flag_late_report')
  return found
}

export const ROLE_RULES: Record<EventAction, ActingAs[]> = {
  accept: ['centre'],
  dispatch: ['centre'],
  escalate: ['centre', 'department', 'grid_worker'],
  start: ['centre', 'department', 'grid_worker'],
  resolve: ['centre', 'department', 'grid_worker'],
  return: ['department', 'grid_worker'],
  close: ['centre'],
  reopen: ['centre'],
  reject_invalid: ['centre'],
  suspend: ['centre'],
  resume: ['centre'],
  extend: ['centre'],
  review: ['centre'],
  mark_shirked: ['centre'],
  merge: ['centre'],
  flag_late_report: ['centre'],
}

/** Actions that must say why (REASON_REQUIRED). */
export const REASON_REQUIRED: ReadonlySet<EventAction> = new Set<EventAction>([
  'return',
  'reopen',
  'reject_invalid',
  'suspend',
  'extend',
  'mark_shirked',
  'flag_late_report',
])

export interface Capacities {
  roles: readonly string[]
  /** The grids whose team the user is on today. */
  gridIds: readonly string[]
  /** The user's active department, if any. */
  departmentId: string | null
}

/** In which capacities the user may act on the event (`_capacities`). */
export function capacitiesFor(event: Pick<EventDetail, 'grid_id' | 'department_id'>, who: Capacities): ActingAs[] {
  const found: ActingAs[] = []
  if (hasAnyRole(who.roles, CENTRE)) found.push('centre')
  if (event.department_id !== null && who.departmentId === event.department_id) found.push('department')
  if (who.roles.includes('grid-worker') && who.gridIds.includes(event.grid_id)) found.push('grid_worker')
  if (who.roles.includes('inspector')) found.push('inspector')
  return found
}

/** The actions to offer, in the table's order: allowed in the state and by a capacity held. */
export function availableActions(
  event: Pick<EventDetail, 'state' | 'grid_id' | 'department_id' | 'level'>,
  who: Capacities,
): EventAction[] {
  const held = capacitiesFor(event, who)
  return actionsInState(event.state).filter((action) => {
    if (!ROLE_RULES[action].some((c) => held.includes(c))) return false
    // Escalation needs a level above the current one.
    if (action === 'escalate') return higherLevels(event.level).length > 0
    return true
  })
}

const LEVELS: EventLevel[] = ['grid', 'village', 'town', 'district']

export function higherLevels(level: EventLevel): EventLevel[] {
  return LEVELS.slice(LEVELS.indexOf(level) + 1)
}

/** The sources each capacity may report from (`_REPORTERS`), as the web console offers them. */
const REPORT_SOURCES: Array<{ source: EventSource; roles: readonly string[] }> = [
  { source: 'web', roles: [...CENTRE, 'grid-worker'] },
  { source: 'hotline_12345', roles: CENTRE },
  { source: 'resident_complaint', roles: CENTRE },
  { source: 'centre_dispatch', roles: CENTRE },
  { source: 'inspector_patrol', roles: [...CENTRE, 'inspector'] },
  { source: 'inspector_spot_check', roles: [...CENTRE, 'inspector'] },
]

/** The sources the user may report an event from in the console ([] : may not report). */
export function reportSources(roles: readonly string[]): Array<EventSource> {
  return REPORT_SOURCES.filter((entry) => hasAnyRole(roles, entry.roles)).map((entry) => entry.source)
}

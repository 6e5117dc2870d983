import { describe, expect, it } from 'vitest'

import { actionsInState, availableActions, capacitiesFor, reportSources } from '@/domain/eventWorkflow'

const event = { state: 'reported' as const, grid_id: 'g1', department_id: null, level: 'grid' as const }

describe('event workflow actions offered', () => {
  it('offers the centre acceptance, rejection, merging and the facts it records', () => {
    expect(availableActions(event, { roles: ['center-staff'], gridIds: [], departmentId: null })).toEqual([
      'accept',
      'reject_invalid',
      'merge',
      'review',
      'flag_late_report',
    ])
  })

  it('offers a grid worker the handling of his own grid only', () => {
    const handling = { ...event, state: 'in_progress' as const }
    expect(availableActions(handling, { roles: ['grid-worker'], gridIds: ['g1'], departmentId: null })).toEqual([
      'resolve',
      'escalate',
      'return',
    ])
    expect(availableActions(handling, { roles: ['grid-worker'], gridIds: ['g2'], departmentId: null })).toEqual([])
  })

  it('offers the department an event was dispatched to its handling', () => {
    const dispatched = { ...event, state: 'dispatched' as const, department_id: 'd1' }
    const who = { roles: ['inspector'], gridIds: [], departmentId: 'd1' }
    expect(capacitiesFor(dispatched, who)).toEqual(['department', 'inspector'])
    expect(availableActions(dispatched, who)).toEqual(['start', 'escalate', 'return'])
  })

  it('does not offer escalation above the district', () => {
    const top = { ...event, state: 'accepted' as const, level: 'district' as const }
    expect(availableActions(top, { roles: ['tenant-admin'], gridIds: [], departmentId: null })).not.toContain('escalate')
  })

  it('knows what each state allows', () => {
    expect(actionsInState('suspended')).toEqual(['resume', 'extend', 'review', 'flag_late_report'])
    expect(actionsInState('merged')).toEqual(['review'])
    expect(actionsInState('closed')).toEqual(['reopen', 'review', 'flag_late_report'])
  })

  it('offers each role the sources it may report from', () => {
    expect(reportSources(['grid-worker'])).toEqual(['web'])
    expect(reportSources(['inspector'])).toEqual(['inspector_patrol', 'inspector_spot_check'])
    expect(reportSources(['center-staff'])).toHaveLength(6)
    expect(reportSources(['grid-leader'])).toEqual([])
  })
})

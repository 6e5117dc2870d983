import { afterEach, describe, expect, it } from 'vitest'

import { setApiClient } from '@/api/client'
import { backlog, countBy, eventsByState, passRate } from '@/domain/dashboard'
import { fakeFetch, installClient, json, page, type Recorded } from './helpers'

afterEach(() => setApiClient(null))

describe('dashboard figures', () => {
  it('groups one page when it holds every row', async () => {
    const recorded: Recorded[] = []
    installClient(
      fakeFetch(
        {
          'GET /api/event_intake/events': () =>
            json(page([{ state: 'reported' }, { state: 'reported' }, { state: 'closed' }])),
        },
        recorded,
      ),
    )
    const counts = await eventsByState('2026-11-29')
    expect(counts.reported).toBe(2)
    expect(counts.closed).toBe(1)
    expect(counts.in_progress).toBe(0)
    expect(recorded).toHaveLength(1)
    expect(recorded[0]?.url).toBe('/api/event_intake/events?reported_from=2026-11-29&reported_to=2026-11-29&page_size=200')
  })

  it('counts per state with one query each when the day has more rows than a page', async () => {
    const recorded: Recorded[] = []
    installClient(
      fakeFetch(
        {
          'GET /api/event_intake/events': (url) => {
            const state = url.searchParams.get('state')
            if (!state) return json({ items: [{ state: 'reported' }], page: 1, page_size: 200, total: 950 })
            return json({ items: [], page: 1, page_size: 1, total: state === 'reported' ? 900 : 5 })
          },
        },
        recorded,
      ),
    )
    const counts = await eventsByState('2026-11-29')
    expect(counts.reported).toBe(900)
    expect(counts.merged).toBe(5)
    expect(recorded).toHaveLength(12)
  })

  it('splits what is overdue into acceptance and closure', async () => {
    installClient(
      fakeFetch({
        'GET /api/event_intake/events': (url) => {
          const overdue = url.searchParams.get('overdue') === 'true'
          const reported = url.searchParams.get('state') === 'reported'
          const total = overdue && reported ? 2 : overdue ? 7 : reported ? 4 : 0
          return json({ items: [], page: 1, page_size: 1, total })
        },
      }),
    )
    expect(await backlog()).toEqual({ awaitingAcceptance: 4, overdueAcceptance: 2, overdueClosure: 5 })
  })

  it('computes the pass rate over the judged working days', () => {
    expect(passRate({ open: 3, passed: 3, failed: 1, not_patrolled: 0, excused: 2, rest_day: 5 })).toBe(75)
    expect(passRate({ open: 3, passed: 0, failed: 0, not_patrolled: 0, excused: 0, rest_day: 5 })).toBeNull()
    expect(countBy([{ k: 'a' }, { k: 'x' }], ['a', 'b'], (i) => i.k)).toEqual({ a: 1, b: 0 })
  })
})

import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { setApiClient } from '@/api/client'
import { session } from '@/auth/session'
import { resetCategories } from '@/composables/useCategories'
import { resetDirectory } from '@/composables/useDirectory'
import EventListView from '@/views/events/EventListView.vue'
import { fakeFetch, installClient, json, page, problem, type Handler, type Recorded } from './helpers'

const Blank = { template: '<div />' }

const GRID = { grid_id: 'g1', division_id: 'd1', code: 'A-V01-G1', name: '东风村第一网格', type: 'village', status: 'active' }
const EVENT = {
  event_id: 'e1',
  grid_id: 'g1',
  category: 'city_management',
  source: 'web',
  title: '路灯损坏',
  level: 'grid',
  state: 'reported',
  reported_at: '2026-11-28T02:00:00+00:00',
  acceptance_deadline: '2026-11-30T02:00:00+00:00',
  closure_deadline: null,
  accepted_on_time: null,
  closed_on_time: null,
  overdue: ['acceptance'],
}

function routes(events: Handler): Record<string, Handler> {
  return {
    'GET /api/event_intake/events': events,
    'GET /api/event_intake/settings': () =>
      json({ categories: [{ code: 'city_management', name: '城市管理', acceptance: { days: 2, hours: '0' }, closure: { days: 7, hours: '0' } }] }),
    'GET /api/grid_registry/grids': (url) => json(page(url.searchParams.get('status') === 'active' ? [GRID] : [])),
    'GET /api/grid_registry/divisions': () => json(page([{ division_id: 'd1', code: 'A-V01', name: '东风村', kind: 'village' }])),
  }
}

async function mountList(events: Handler, recorded: Recorded[] = [], path = '/events') {
  installClient(fakeFetch(routes(events), recorded))
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/events', name: 'events', component: EventListView },
      { path: '/events/new', name: 'event-create', component: Blank },
      { path: '/events/:id', name: 'event-detail', component: Blank },
    ],
  })
  await router.push(path)
  await router.isReady()
  const wrapper = mount(EventListView, { global: { plugins: [router] } })
  return { wrapper, router }
}

enableAutoUnmount(afterEach)

beforeEach(() => {
  session.user = {
    subject: 'u1',
    username: 'worker.a',
    displayName: '甲镇网格员',
    tenantId: 'demo-town-a',
    districtId: null,
    roles: ['grid-worker'],
  }
  resetDirectory()
  resetCategories()
})

afterEach(() => {
  setApiClient(null)
  session.user = null
})

describe('事项列表 page', () => {
  it('shows a loading state while the list is on its way', async () => {
    const { wrapper } = await mountList(() => new Promise<Response>(() => undefined))
    await flushPromises()
    expect(wrapper.find('[data-test="state-loading"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="state-empty"]').exists()).toBe(false)
  })

  it('shows an empty state when nothing matches', async () => {
    const { wrapper } = await mountList(() => json(page([])))
    await flushPromises()
    expect(wrapper.find('[data-test="state-empty"]').text()).toContain('没有符合条件的事项')
  })

  it('shows the error with a retry when the service is down, and retries', async () => {
    let calls = 0
    const { wrapper } = await mountList(() => {
      calls += 1
      return calls === 1 ? problem(503, {}, { 'Retry-After': '3' }) : json(page([EVENT]))
    })
    await flushPromises()
    const error = wrapper.find('[data-test="state-error"]')
    expect(error.exists()).toBe(true)
    expect(error.text()).toContain('服务暂时不可用，请稍后重试（约 3 秒后）')
    await wrapper.find('[data-test="retry"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-test="state-error"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('路灯损坏')
  })

  it('lists the events with names for codes and ids', async () => {
    const { wrapper } = await mountList(() => json(page([EVENT])))
    await flushPromises()
    const text = wrapper.text()
    expect(text).toContain('路灯损坏')
    expect(text).toContain('城市管理')
    expect(text).toContain('东风村第一网格')
    expect(text).toContain('待受理')
    expect(text).toContain('超期未受理')
    expect(text).toContain('上报事项') // a grid worker may report
  })

  it('sends the filters of the URL to the service', async () => {
    const recorded: Recorded[] = []
    await mountList(() => json(page([])), recorded, '/events?state=reported&overdue=true&page=2')
    await flushPromises()
    const call = recorded.find((r) => r.url.startsWith('/api/event_intake/events'))
    expect(call?.url).toBe('/api/event_intake/events?state=reported&overdue=true&page=2&page_size=20')
  })
})

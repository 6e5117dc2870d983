import { describe, expect, it } from 'vitest'

import { ROLES, type Role } from '@/auth/roles'
import { PAGES, canOpen, homeFor, menuFor, pageOf, type MenuEntry } from '@/router/access'
import { buildRoutes } from '@/router'

/** The menu as titles: 'A', 'Group>Child'. */
function titles(entries: MenuEntry[]): string[] {
  return entries.flatMap((e) => (e.children ? e.children.map((c) => `${e.title}>${c.title}`) : [e.title]))
}

describe('route/role table', () => {
  it('gives a grid worker his work and no administration or district pages', () => {
    expect(titles(menuFor(['grid-worker']))).toEqual(['工作台', '事项管理>事项列表', '事项管理>事项上报', '巡查管理>巡查日报', '网格地图'])
    expect(canOpen('patrol-live', ['grid-worker'])).toBe(false)
    expect(canOpen('district-report', ['grid-worker'])).toBe(false)
  })

  it('gives the district overseer the district supervision page only', () => {
    expect(titles(menuFor(['district-overseer']))).toEqual(['区级监督'])
    expect(homeFor(['district-overseer'])).toBe('/district')
    for (const page of PAGES.filter((p) => p.name !== 'district-report')) {
      expect(canOpen(page.name, ['district-overseer'])).toBe(false)
    }
  })

  it('gives the centre every tenant page and not the district one', () => {
    const menu = titles(menuFor(['tenant-admin', 'center-staff']))
    expect(menu).toEqual([
      '工作台',
      '事项管理>事项列表',
      '事项管理>事项上报',
      '巡查管理>巡查日报',
      '巡查管理>实时在岗',
      '网格地图',
    ])
    expect(titles(menuFor(['center-staff']))).toEqual(menu)
    expect(homeFor(['center-staff'])).toBe('/dashboard')
  })

  it('lets inspectors watch the live board and report', () => {
    expect(titles(menuFor(['inspector']))).toEqual(titles(menuFor(['center-staff'])))
  })

  it('does not offer reporting to grid leaders and instructors', () => {
    for (const role of ['grid-leader', 'grid-instructor'] as Role[]) {
      expect(titles(menuFor([role]))).toEqual(['工作台', '事项管理>事项列表', '巡查管理>巡查日报', '网格地图'])
    }
  })

  it('opens the grid map to every role that may read grids (grid_registry READERS)', () => {
    for (const role of ['tenant-admin', 'center-staff', 'inspector', 'grid-leader', 'grid-worker', 'grid-instructor'] as Role[]) {
      expect(canOpen('grid-map', [role])).toBe(true)
    }
    expect(canOpen('grid-map', ['district-overseer'])).toBe(false)
    expect(canOpen('grid-map', ['platform-admin'])).toBe(false)
    expect(pageOf('grid-map')?.path).toBe('/map')
  })

  it('has nothing for the platform admin and for unknown roles', () => {
    expect(menuFor(['platform-admin'])).toEqual([])
    expect(homeFor(['platform-admin'])).toBeNull()
    expect(menuFor(['offline_access', 'uma_authorization'])).toEqual([])
  })

  it('keeps detail pages out of the menu but guarded', () => {
    expect(titles(menuFor(ROLES as unknown as string[]))).not.toContain('事项详情')
    expect(canOpen('event-detail', ['grid-worker'])).toBe(true)
    expect(canOpen('event-detail', ['district-overseer'])).toBe(false)
    expect(canOpen('no-such-page', ['tenant-admin'])).toBe(false)
  })

  it('has a route for every page of the table, and a role for each', () => {
    const layout = buildRoutes()[0]
    const names = (layout?.children ?? []).map((r) => r.name)
    for (const page of PAGES) {
      expect(names).toContain(page.name)
      expect(page.roles.length).toBeGreaterThan(0)
    }
  })
})

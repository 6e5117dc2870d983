/**
 * The one table of the console's pages and the roles that may use them; the sidebar menu and
 * the router's guard both read it. The services stay the authority: this only hides what a role
 * cannot use (each service answers 403 all the same).
 */
import { CENTRE, TENANT_READERS, hasAnyRole, type Role } from '@/auth/roles'

export type RouteName =
  | 'dashboard'
  | 'events'
  | 'event-create'
  | 'event-detail'
  | 'patrol-days'
  | 'patrol-live'
  | 'grid-map'
  | 'district-report'

export interface PageAccess {
  name: RouteName
  path: string
  title: string
  /** Roles that may open the page (any one of them). */
  roles: readonly Role[]
  /** Shown in the sidebar (under `group` when set); detail pages are not. */
  menu: boolean
  group?: MenuGroupKey
  icon?: IconKey
}

export type MenuGroupKey = 'events' | 'patrol'
export type IconKey = 'dashboard' | 'events' | 'patrol' | 'map' | 'district'

export const MENU_GROUPS: Record<MenuGroupKey, { title: string; icon: IconKey }> = {
  events: { title: '事项管理', icon: 'events' },
  patrol: { title: '巡查管理', icon: 'patrol' },
}

/** Who watches the live board: the centre and the inspectors (patrol_tracking WATCHERS). */
const WATCHERS: readonly Role[] = [...CENTRE, 'inspector']
/** Who may report an event from the console (event_intake's reporters: centre, inspector, grid worker). */
const REPORTERS: readonly Role[] = [...CENTRE, 'inspector', 'grid-worker']

export const PAGES: readonly PageAccess[] = [
  { name: 'dashboard', path: '/dashboard', title: '工作台', roles: TENANT_READERS, menu: true, icon: 'dashboard' },
  { name: 'events', path: '/events', title: '事项列表', roles: TENANT_READERS, menu: true, group: 'events' },
  { name: 'event-create', path: '/events/new', title: '事项上报', roles: REPORTERS, menu: true, group: 'events' },
  { name: 'event-detail', path: '/events/:id', title: '事项详情', roles: TENANT_READERS, menu: false },
  { name: 'patrol-days', path: '/patrol/days', title: '巡查日报', roles: TENANT_READERS, menu: true, group: 'patrol' },
  { name: 'patrol-live', path: '/patrol/live', title: '实时在岗', roles: WATCHERS, menu: true, group: 'patrol' },
  // grid_registry's READERS may read GET /grids.
  { name: 'grid-map', path: '/map', title: '网格地图', roles: TENANT_READERS, menu: true, icon: 'map' },
  {
    name: 'district-report',
    path: '/district',
    title: '区级监督',
    roles: ['district-overseer'],
    menu: true,
    icon: 'district',
  },
]

export function pageOf(name: string): PageAccess | undefined {
  return PAGES.find((page) => page.name === name)
}

export function canOpen(name: string, roles: readonly string[]): boolean {
  const page = pageOf(name)
  return page !== undefined && hasAnyRole(roles, page.roles)
}

export interface MenuItem {
  name: RouteName
  path: string
  title: string
}

export interface MenuEntry {
  key: string
  title: string
  icon: IconKey
  /** A leaf has `path`; a group has `children`. */
  path?: string
  children?: MenuItem[]
}

/** The sidebar for `roles`: leaves and groups in table order, empty groups left out. */
export function menuFor(roles: readonly string[]): MenuEntry[] {
  const entries: MenuEntry[] = []
  for (const page of PAGES) {
    if (!page.menu || !hasAnyRole(roles, page.roles)) continue
    const item: MenuItem = { name: page.name, path: page.path, title: page.title }
    if (page.group) {
      const group = MENU_GROUPS[page.group]
      let entry = entries.find((e) => e.key === page.group)
      if (!entry) {
        entry = { key: page.group, title: group.title, icon: group.icon, children: [] }
        entries.push(entry)
      }
      entry.children?.push(item)
    } else {
      entries.push({ key: page.name, title: page.title, icon: page.icon ?? 'dashboard', path: page.path })
    }
  }
  return entries
}

/** Where a user lands: the first page of the menu, or null when no page is for him. */
export function homeFor(roles: readonly string[]): string | null {
  const first = menuFor(roles)[0]
  if (!first) return null
  return first.path ?? first.children?.[0]?.path ?? null
}

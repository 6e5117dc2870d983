/** The realm roles of `gridgov` (shared/auth/principal.py) and their Chinese names. */

export const ROLES = [
  'platform-admin',
  'district-overseer',
  'tenant-admin',
  'center-staff',
  'inspector',
  'grid-leader',
  'grid-worker',
  'grid-instructor',
] as const

export type Role = (typeof ROLES)[number]

/** As identity's GET /roles labels them. */
export const ROLE_LABELS: Record<Role, string> = {
  'platform-admin': '平台管理员',
  'district-overseer': '区级督查',
  'tenant-admin': '管理员',
  'center-staff': '中心工作人员',
  inspector: '巡查员',
  'grid-leader': '网格长',
  'grid-worker': '专职网格员',
  'grid-instructor': '网格指导员',
}

/** The centre (中心): centre staff and the tenant admin who heads it. */
export const CENTRE: readonly Role[] = ['tenant-admin', 'center-staff']
/** The grid team's roles (they patrol with a phone). */
export const GRID_TEAM: readonly Role[] = ['grid-worker', 'grid-leader', 'grid-instructor']
/** Everyone of a tenant who works with events and patrol days (the services' READERS). */
export const TENANT_READERS: readonly Role[] = [...CENTRE, 'inspector', ...GRID_TEAM]

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value)
}

export function hasAnyRole(held: readonly string[], wanted: readonly string[]): boolean {
  return wanted.some((role) => held.includes(role))
}

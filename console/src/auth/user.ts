/** Who is logged in, read from the access token's claims. */
import { isRole, type Role } from './roles'

export interface SessionUser {
  subject: string
  username: string
  /** `name` claim, else the login name. */
  displayName: string
  tenantId: string | null
  districtId: string | null
  /** The platform's roles only (Keycloak's default roles left out). */
  roles: Role[]
}

export function userFromClaims(claims: Record<string, unknown> | undefined): SessionUser {
  const c = claims ?? {}
  const str = (key: string): string | null => (typeof c[key] === 'string' && c[key] !== '' ? (c[key] as string) : null)
  const access = c.realm_access as { roles?: unknown } | undefined
  const raw = Array.isArray(access?.roles) ? access.roles : []
  const roles = raw.filter((r): r is string => typeof r === 'string').filter(isRole)
  const username = str('preferred_username') ?? str('sub') ?? ''
  return {
    subject: str('sub') ?? '',
    username,
    displayName: str('name') ?? username,
    tenantId: str('tenant_id'),
    districtId: str('district_id'),
    roles,
  }
}

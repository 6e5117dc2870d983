/** identity: the caller's tenant and the tenant's people (to show names instead of ids). */
import { api } from './client'
import { allPages } from './grid_registry'
import { MAX_PAGE_SIZE, type Page } from './types'

export interface Tenant {
  tenant_id: string
  code: string
  name: string
  kind: string
  district_id: string | null
  status: string
}

export interface User {
  user_id: string
  username: string
  login: string
  display_name: string | null
  roles: string[]
  enabled: boolean
}

const S = 'identity'

export function getTenant(tenantId: string): Promise<Tenant> {
  return api().get<Tenant>(S, `/tenants/${encodeURIComponent(tenantId)}`)
}

/** The tenant's people (tenant admins only: 403 for anyone else). */
export function listUsers(): Promise<User[]> {
  return allPages((page) => api().get<Page<User>>(S, '/users', { page, page_size: MAX_PAGE_SIZE }), 5)
}

/** grid_registry: the tenant's divisions (村/社区) and grids, to name them and filter by them. */
import { api } from './client'
import { MAX_PAGE_SIZE, type Page } from './types'

export interface Division {
  division_id: string
  code: string
  name: string
  kind: 'village' | 'community' | string
}

export interface Grid {
  grid_id: string
  division_id: string
  code: string
  name: string
  type: string
  status: 'active' | 'retired' | string
  valid_from: string
  valid_to: string | null
}

/** A GeoJSON Polygon or MultiPolygon, positions [lon, lat] (WGS84). */
export type Boundary =
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] }

/** A grid as GET /grids answers it, with its boundary and area (the map draws them). */
export interface GridShape extends Grid {
  boundary: Boundary | null
  /** Geodesic area in m², 2 decimals (a number or a decimal string). */
  area_m2: number | string | null
}

export interface TeamMember {
  membership_id: string
  role: string
  role_label?: string
  user_id: string | null
  person_name: string
  phone: string | null
  starts_on: string
  ends_on: string | null
}

export interface GridTeam {
  grid_id: string
  grid_code: string
  division_id: string
  model: string
  date: string
  members: TeamMember[]
}

/** A key subject (重点对象); the personal fields are not read here. */
export interface Subject {
  subject_id: string
  category: string
  category_label?: string
  sub_category: string | null
  grid_id: string
  division_id: string
  visit_cycle: string
  status: string
  name: string
  address: string | null
}

export interface UserGrids {
  user_id: string
  date: string
  grid_ids: string[]
}

const S = 'grid_registry'

/** Every page of a list, up to `maxPages` pages of 200. */
export async function allPages<T>(fetchPage: (page: number) => Promise<Page<T>>, maxPages = 10): Promise<T[]> {
  const items: T[] = []
  for (let page = 1; page <= maxPages; page += 1) {
    const found = await fetchPage(page)
    items.push(...found.items)
    if (items.length >= found.total || found.items.length === 0) break
  }
  return items
}

export function listDivisions(): Promise<Division[]> {
  return allPages((page) => api().get<Page<Division>>(S, '/divisions', { page, page_size: MAX_PAGE_SIZE }))
}

/** Active grids and retired ones (events and days may name either). */
export async function listGrids(status: 'active' | 'retired' = 'active'): Promise<Grid[]> {
  return allPages((page) => api().get<Page<Grid>>(S, '/grids', { page, page_size: MAX_PAGE_SIZE, status }))
}

/** Every active grid of the tenant with its boundary (all pages of 200, up to 10 000 grids). */
export function listGridShapes(signal?: AbortSignal): Promise<GridShape[]> {
  return allPages(
    (page) => api().get<Page<GridShape>>(S, '/grids', { page, page_size: MAX_PAGE_SIZE, status: 'active' }, signal),
    50,
  )
}

/** A grid's team on `date` (today when absent). */
export function gridTeam(gridId: string, signal?: AbortSignal): Promise<GridTeam> {
  return api().get<GridTeam>(S, `/grids/${encodeURIComponent(gridId)}/team`, undefined, signal)
}

/** One page of a grid's active key subjects (the centre sees all, a grid team its grids, others none). */
export function listGridSubjects(gridId: string, signal?: AbortSignal): Promise<Page<Subject>> {
  return api().get<Page<Subject>>(S, '/subjects', { grid_id: gridId, status: 'active', page_size: MAX_PAGE_SIZE }, signal)
}

export function userGrids(userId: string, date?: string): Promise<UserGrids> {
  return api().get<UserGrids>(S, `/users/${encodeURIComponent(userId)}/grids`, { date })
}

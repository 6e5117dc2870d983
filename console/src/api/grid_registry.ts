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

export function userGrids(userId: string, date?: string): Promise<UserGrids> {
  return api().get<UserGrids>(S, `/users/${encodeURIComponent(userId)}/grids`, { date })
}

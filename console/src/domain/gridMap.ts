/**
 * 网格地图: the tenant's grids as one GeoJSON FeatureCollection for `echarts.registerMap`, and the
 * per-grid figures the map colours by. Pure functions; the page builds the collection once per
 * load (never per render), so a change of indicator only recolours.
 */
import { listEvents, type EventState, type EventSummary } from '@/api/event_intake'
import { allPages, type Boundary, type GridShape } from '@/api/grid_registry'
import { MAX_PAGE_SIZE } from '@/api/types'

/** ECharts names a map's regions by this feature property: the grid id (names may repeat). */
export const REGION_NAME_PROPERTY = 'grid_id'

export interface GridFeatureProperties {
  grid_id: string
  code: string
  name: string
}

export interface GridFeature {
  type: 'Feature'
  /** The grid id. */
  id: string
  properties: GridFeatureProperties
  geometry: Boundary
}

export interface GridFeatureCollection {
  type: 'FeatureCollection'
  features: GridFeature[]
}

function isBoundary(value: unknown): value is Boundary {
  if (!value || typeof value !== 'object') return false
  const { type, coordinates } = value as { type?: unknown; coordinates?: unknown }
  return (type === 'Polygon' || type === 'MultiPolygon') && Array.isArray(coordinates) && coordinates.length > 0
}

/** The grids with a Polygon or MultiPolygon boundary as features named by grid id; the rest are skipped. */
export function gridsToFeatureCollection(grids: readonly Pick<GridShape, 'grid_id' | 'code' | 'name' | 'boundary'>[]): GridFeatureCollection {
  const features: GridFeature[] = []
  for (const grid of grids) {
    if (!isBoundary(grid.boundary)) continue
    features.push({
      type: 'Feature',
      id: grid.grid_id,
      properties: { grid_id: grid.grid_id, code: grid.code, name: grid.name },
      geometry: grid.boundary,
    })
  }
  return { type: 'FeatureCollection', features }
}

/** Not finished yet: every state but closed (结案), rejected (无效) and merged (已合并). */
export const OPEN_EVENT_STATES: readonly EventState[] = [
  'reported',
  'accepted',
  'dispatched',
  'escalated',
  'in_progress',
  'resolved',
  'returned',
  'suspended',
]

/** How many items name each grid id. */
export function countByGrid(items: readonly { grid_id: string | null }[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const item of items) {
    if (!item.grid_id) continue
    counts.set(item.grid_id, (counts.get(item.grid_id) ?? 0) + 1)
  }
  return counts
}

/** Open events per grid (event_intake GET /events, every page of each open state). */
export async function openEventsByGrid(signal?: AbortSignal): Promise<Map<string, number>> {
  const lists = await Promise.all(
    OPEN_EVENT_STATES.map((state) =>
      allPages<EventSummary>((page) => listEvents({ state, page, page_size: MAX_PAGE_SIZE }, signal), 50),
    ),
  )
  return countByGrid(lists.flat())
}

/** The distinct keys of `items`, sorted (the legend's pieces). */
export function categoriesOf<T>(items: readonly T[], keyOf: (item: T) => string, order: (a: string, b: string) => number): string[] {
  return [...new Set(items.map(keyOf))].sort(order)
}

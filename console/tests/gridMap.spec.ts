import { afterEach, describe, expect, it } from 'vitest'

import { setApiClient } from '@/api/client'
import type { GridShape } from '@/api/grid_registry'
import { countByGrid, gridsToFeatureCollection, OPEN_EVENT_STATES, openEventsByGrid } from '@/domain/gridMap'
import { fakeFetch, installClient, json, page, type Recorded } from './helpers'

afterEach(() => setApiClient(null))

type Shape = Pick<GridShape, 'grid_id' | 'code' | 'name' | 'boundary'>

const square: Shape = {
  grid_id: 'g-1',
  code: 'W001',
  name: '东街网格',
  boundary: {
    type: 'Polygon',
    coordinates: [
      [
        [121.1, 31.1],
        [121.2, 31.1],
        [121.2, 31.2],
        [121.1, 31.1],
      ],
    ],
  },
}
const islands: Shape = {
  grid_id: 'g-2',
  code: 'W002',
  name: '两岛网格',
  boundary: {
    type: 'MultiPolygon',
    coordinates: [
      [
        [
          [121.3, 31.3],
          [121.4, 31.3],
          [121.4, 31.4],
          [121.3, 31.3],
        ],
      ],
      [
        [
          [121.5, 31.5],
          [121.6, 31.5],
          [121.6, 31.6],
          [121.5, 31.5],
        ],
      ],
    ],
  },
}

describe('gridsToFeatureCollection', () => {
  it('makes a Polygon grid one feature named by its grid id', () => {
    const collection = gridsToFeatureCollection([square])
    expect(collection.type).toBe('FeatureCollection')
    expect(collection.features).toHaveLength(1)
    const feature = collection.features[0]
    expect(feature).toEqual({
      type: 'Feature',
      id: 'g-1',
      properties: { grid_id: 'g-1', code: 'W001', name: '东街网格' },
      geometry: square.boundary,
    })
  })

  it('keeps a MultiPolygon as it is', () => {
    const [feature] = gridsToFeatureCollection([islands]).features
    expect(feature?.geometry.type).toBe('MultiPolygon')
    expect(feature?.geometry.coordinates).toHaveLength(2)
    expect(feature?.properties).toEqual({ grid_id: 'g-2', code: 'W002', name: '两岛网格' })
  })

  it('skips grids without a boundary, keeping the order of the rest', () => {
    const none: Shape = { grid_id: 'g-3', code: 'W003', name: '无边界', boundary: null }
    const odd = { grid_id: 'g-4', code: 'W004', name: '点', boundary: { type: 'Point', coordinates: [121, 31] } } as unknown as Shape
    const empty = { ...square, grid_id: 'g-5', boundary: { type: 'Polygon', coordinates: [] } } as Shape
    const collection = gridsToFeatureCollection([islands, none, odd, empty, square])
    expect(collection.features.map((f) => f.id)).toEqual(['g-2', 'g-1'])
  })

  it('answers an empty collection for no grids', () => {
    expect(gridsToFeatureCollection([])).toEqual({ type: 'FeatureCollection', features: [] })
  })

  it('builds 500 grids quickly', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ ...square, grid_id: `g-${i}`, code: `W${i}` }))
    const started = performance.now()
    const collection = gridsToFeatureCollection(many)
    expect(collection.features).toHaveLength(500)
    expect(performance.now() - started).toBeLessThan(100)
  })
})

describe('open events per grid', () => {
  it('counts by grid id, leaving out events without one', () => {
    const counts = countByGrid([{ grid_id: 'a' }, { grid_id: 'b' }, { grid_id: 'a' }, { grid_id: null }])
    expect([...counts.entries()]).toEqual([
      ['a', 2],
      ['b', 1],
    ])
  })

  it('reads every page of each open state and none of the finished ones', async () => {
    const recorded: Recorded[] = []
    installClient(
      fakeFetch(
        {
          'GET /api/event_intake/events': (url) => {
            const state = url.searchParams.get('state')
            const p = Number(url.searchParams.get('page'))
            if (state === 'reported') {
              return json(p === 1 ? page([{ grid_id: 'a' }, { grid_id: 'b' }], 3) : page([{ grid_id: 'a' }], 3))
            }
            if (state === 'in_progress') return json(page([{ grid_id: 'b' }]))
            return json(page([]))
          },
        },
        recorded,
      ),
    )
    const counts = await openEventsByGrid()
    expect(counts.get('a')).toBe(2)
    expect(counts.get('b')).toBe(2)
    const states = new Set(recorded.map((r) => new URL(r.url, 'http://x').searchParams.get('state')))
    expect([...states].sort()).toEqual([...OPEN_EVENT_STATES].sort())
    expect(states.has('closed')).toBe(false)
    expect(recorded.filter((r) => r.url.includes('state=reported'))).toHaveLength(2)
    expect(recorded[0]?.url).toContain('page_size=200')
  })
})

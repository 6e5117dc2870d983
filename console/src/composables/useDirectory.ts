/**
 * Names for the ids the services answer with: the tenant's divisions and grids (grid_registry)
 * and people (identity, tenant admins only). Loaded once per session; what cannot be read
 * is shown by id, never guessed.
 */
import { computed, reactive } from 'vue'

import { listDivisions, listGrids, type Division, type Grid } from '@/api/grid_registry'
import { listUsers, type User } from '@/api/identity'
import { session } from '@/auth/session'
import { shortId } from '@/utils/format'

interface DirectoryState {
  grids: Map<string, Grid>
  divisions: Map<string, Division>
  users: Map<string, User>
  loading: boolean
  loaded: boolean
}

const state = reactive<DirectoryState>({
  grids: new Map(),
  divisions: new Map(),
  users: new Map(),
  loading: false,
  loaded: false,
})

let pending: Promise<void> | null = null

async function settle<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise
  } catch {
    return null
  }
}

export function loadDirectory(): Promise<void> {
  if (pending) return pending
  const user = session.user
  if (!user?.tenantId) {
    state.loaded = true
    pending = Promise.resolve()
    return pending
  }
  state.loading = true
  const isAdmin = user.roles.includes('tenant-admin')
  pending = Promise.all([
    settle(listDivisions()),
    settle(listGrids('active')),
    settle(listGrids('retired')),
    isAdmin ? settle(listUsers()) : Promise.resolve(null),
  ]).then(([divisions, active, retired, users]) => {
    state.divisions = new Map((divisions ?? []).map((d) => [d.division_id, d]))
    state.grids = new Map([...(retired ?? []), ...(active ?? [])].map((g) => [g.grid_id, g]))
    state.users = new Map((users ?? []).map((u) => [u.user_id, u]))
    state.loading = false
    state.loaded = true
  })
  return pending
}

/** Forget what was loaded (tests). */
export function resetDirectory(): void {
  pending = null
  state.grids = new Map()
  state.divisions = new Map()
  state.users = new Map()
  state.loaded = false
  state.loading = false
}

export function useDirectory() {
  void loadDirectory()
  const grids = computed(() =>
    [...state.grids.values()].filter((g) => g.status === 'active').sort((a, b) => a.code.localeCompare(b.code)),
  )
  const divisions = computed(() => [...state.divisions.values()].sort((a, b) => a.code.localeCompare(b.code)))
  return {
    state,
    grids,
    divisions,
    gridName(id: string | null | undefined): string {
      if (!id) return '—'
      return state.grids.get(id)?.name ?? shortId(id)
    },
    gridCode(id: string | null | undefined): string {
      if (!id) return ''
      return state.grids.get(id)?.code ?? ''
    },
    divisionName(id: string | null | undefined): string {
      if (!id) return '—'
      return state.divisions.get(id)?.name ?? shortId(id)
    },
    userName(id: string | null | undefined): string {
      if (!id) return '—'
      const user = state.users.get(id)
      if (user) return user.display_name || user.username
      if (session.user && id === session.user.subject) return session.user.displayName
      return `用户${shortId(id)}`
    },
  }
}

/**
 * A paged, filtered list whose filters and page live in the URL query, so a list can be shared
 * and survives a reload. The view owns its filter form (reading it from and writing it to the
 * query); this owns the page and page size, the request and the navigation between pages.
 */
import { computed, reactive, watch, type ComputedRef } from 'vue'
import { useRoute, useRouter, type LocationQuery } from 'vue-router'

import type { Page } from '@/api/types'
import { queryText } from '@/utils/query'
import { useLoader, type Loader } from './useLoader'

export const PAGE_SIZES = [20, 50, 100, 200]
export const DEFAULT_PAGE_SIZE = 20

export interface PageState {
  page: number
  page_size: number
}

/** The page and page size of a route query (page 1 and the default size when absent or invalid). */
export function pagingFromQuery(query: LocationQuery): PageState {
  const size = Number(queryText(query.page_size))
  return {
    page: Number(queryText(query.page)) || 1,
    page_size: PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE,
  }
}

/** The page and page size as query parameters, the defaults left out. */
export function pagingToQuery(paging: PageState): Record<string, string> {
  const query: Record<string, string> = {}
  if (paging.page > 1) query.page = String(paging.page)
  if (paging.page_size !== DEFAULT_PAGE_SIZE) query.page_size = String(paging.page_size)
  return query
}

export interface PagedQueryOptions<T> {
  /** Sets the view's filter form from the route query. */
  readFilters: (query: LocationQuery) => void
  /** The view's filters as query parameters (empty ones left out). */
  filterQuery: () => Record<string, string>
  /** Loads one page with the current filters. */
  fetch: (paging: PageState, signal: AbortSignal) => Promise<Page<T>>
}

export interface PagedQuery<T> {
  paging: PageState
  loader: Loader<Page<T>, []>
  rows: ComputedRef<T[]>
  total: ComputedRef<number>
  /** Applies the filter form: back to page 1. */
  search: () => void
  changePage: (page: number) => void
  /** A new page size starts again at page 1. */
  changeSize: (size: number) => void
}

export function usePagedQuery<T>(options: PagedQueryOptions<T>): PagedQuery<T> {
  const route = useRoute()
  const router = useRouter()
  const paging = reactive<PageState>({ page: 1, page_size: DEFAULT_PAGE_SIZE })

  const loader = useLoader((signal) => options.fetch({ page: paging.page, page_size: paging.page_size }, signal))
  const rows = computed<T[]>(() => loader.data.value?.items ?? [])
  const total = computed(() => loader.data.value?.total ?? 0)

  // The URL is the one source: every change navigates, and the navigation reloads.
  watch(
    () => route.query,
    (query) => {
      options.readFilters(query)
      Object.assign(paging, pagingFromQuery(query))
      void loader.run()
    },
    { immediate: true },
  )

  function navigate(): void {
    void router.replace({ query: { ...options.filterQuery(), ...pagingToQuery(paging) } })
  }

  function search(): void {
    paging.page = 1
    navigate()
  }

  function changePage(page: number): void {
    paging.page = page
    navigate()
  }

  function changeSize(size: number): void {
    paging.page_size = size
    paging.page = 1
    navigate()
  }

  return { paging, loader, rows, total, search, changePage, changeSize }
}

import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, reactive } from 'vue'
import { createMemoryHistory, createRouter, type LocationQuery } from 'vue-router'

import type { Page } from '@/api/types'
import { pagingFromQuery, pagingToQuery, usePagedQuery, type PageState, type PagedQuery } from '@/composables/usePagedQuery'
import { queryText } from '@/utils/query'

enableAutoUnmount(afterEach)

interface Row {
  id: number
}

/** A list page with one filter, `q`, driven by the composable; every fetch is recorded. */
async function mountList(path: string) {
  const fetch = vi.fn(
    async (paging: PageState): Promise<Page<Row>> => ({ items: [{ id: paging.page }], page: paging.page, page_size: paging.page_size, total: 123 }),
  )
  const form = reactive({ q: '' })
  let list!: PagedQuery<Row>
  const List = defineComponent({
    setup() {
      list = usePagedQuery<Row>({
        readFilters: (query: LocationQuery) => {
          form.q = queryText(query.q)
        },
        filterQuery: (): Record<string, string> => (form.q ? { q: form.q } : {}),
        fetch: (paging) => fetch({ ...paging }),
      })
      return () => h('div')
    },
  })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', component: List }] })
  await router.push(path)
  await router.isReady()
  mount(List, { global: { plugins: [router] } })
  await flushPromises()
  return { list, form, fetch, router }
}

describe('paging in the query', () => {
  it('reads page and size, falling back to page 1 and the default size', () => {
    expect(pagingFromQuery({ page: '3', page_size: '50' })).toEqual({ page: 3, page_size: 50 })
    expect(pagingFromQuery({})).toEqual({ page: 1, page_size: 20 })
    expect(pagingFromQuery({ page: 'x', page_size: '33' })).toEqual({ page: 1, page_size: 20 })
  })

  it('writes only what differs from the defaults', () => {
    expect(pagingToQuery({ page: 1, page_size: 20 })).toEqual({})
    expect(pagingToQuery({ page: 2, page_size: 100 })).toEqual({ page: '2', page_size: '100' })
  })
})

describe('usePagedQuery', () => {
  it('loads the page and filters of the URL', async () => {
    const { list, form, fetch } = await mountList('/list?q=lamp&page=3&page_size=50')
    expect(form.q).toBe('lamp')
    expect(list.paging).toEqual({ page: 3, page_size: 50 })
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(fetch).toHaveBeenLastCalledWith({ page: 3, page_size: 50 })
    expect(list.rows.value).toEqual([{ id: 3 }])
    expect(list.total.value).toBe(123)
  })

  it('goes back to page 1 when a filter is applied, and writes the filters to the URL', async () => {
    const { list, form, fetch, router } = await mountList('/list?page=4')
    form.q = 'road'
    list.search()
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: 'road' })
    expect(list.paging.page).toBe(1)
    expect(fetch).toHaveBeenLastCalledWith({ page: 1, page_size: 20 })
  })

  it('keeps the filters when changing page, and starts again at page 1 with a new size', async () => {
    const { list, fetch, router } = await mountList('/list?q=lamp')
    list.changePage(2)
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: 'lamp', page: '2' })
    expect(fetch).toHaveBeenLastCalledWith({ page: 2, page_size: 20 })

    list.changeSize(100)
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: 'lamp', page_size: '100' })
    expect(fetch).toHaveBeenLastCalledWith({ page: 1, page_size: 100 })
  })

  it('reloads when the URL changes from outside (back, a shared link)', async () => {
    const { form, fetch, router } = await mountList('/list')
    await router.push('/list?q=tree&page=2')
    await flushPromises()
    expect(form.q).toBe('tree')
    expect(fetch).toHaveBeenLastCalledWith({ page: 2, page_size: 20 })
  })
})

/**
 * One request's state for a page block: data, loading, error; a newer run aborts the older one,
 * so a slow answer never overwrites a newer filter's.
 */
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue'

import { ApiError } from '@/api/problem'

export interface Loader<T, A extends unknown[]> {
  data: ShallowRef<T | null>
  loading: Ref<boolean>
  error: ShallowRef<Error | null>
  run: (...args: A) => Promise<void>
}

export function useLoader<T, A extends unknown[] = []>(
  fetcher: (signal: AbortSignal, ...args: A) => Promise<T>,
): Loader<T, A> {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = shallowRef<Error | null>(null)
  let controller: AbortController | null = null

  async function run(...args: A): Promise<void> {
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    loading.value = true
    error.value = null
    try {
      const found = await fetcher(mine.signal, ...args)
      if (controller !== mine) return
      data.value = found
    } catch (caught) {
      if (controller !== mine) return
      if (caught instanceof DOMException && caught.name === 'AbortError') return
      error.value = caught instanceof Error ? caught : new ApiError({ status: 500 })
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  return { data, loading, error, run }
}

/** The tenant's event categories (事项分类) with their deadlines, from event_intake's /settings. */
import { computed, shallowRef } from 'vue'

import { getIntakeSettings, type Category } from '@/api/event_intake'

const categories = shallowRef<Category[]>([])
let pending: Promise<void> | null = null

export function loadCategories(): Promise<void> {
  if (!pending) {
    pending = getIntakeSettings()
      .then((settings) => {
        categories.value = settings.categories
      })
      .catch((error: unknown) => {
        pending = null // try again next time
        throw error
      })
  }
  return pending
}

export function resetCategories(): void {
  pending = null
  categories.value = []
}

export function useCategories() {
  loadCategories().catch(() => {
    /* names fall back to codes */
  })
  const byCode = computed(() => new Map(categories.value.map((c) => [c.code, c])))
  return {
    categories,
    categoryName(code: string | null | undefined): string {
      if (!code) return '—'
      return byCode.value.get(code)?.name ?? code
    },
  }
}

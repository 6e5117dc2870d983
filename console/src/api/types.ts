/** Shapes shared by every service (shared/http/pagination.py). */

export interface Page<T> {
  items: T[]
  page: number
  page_size: number
  total: number
}

export interface Paging {
  page?: number
  page_size?: number
}

/** The largest page any list answers (MAX_PAGE_SIZE). */
export const MAX_PAGE_SIZE = 200

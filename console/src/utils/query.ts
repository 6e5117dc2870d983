import type { LocationQuery } from 'vue-router'

/** One text value of a route query parameter ('' when absent). */
export function queryText(value: LocationQuery[string] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' ? v : ''
}

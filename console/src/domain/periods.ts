/** 统计期 labels as scoring reads them: 2026-11 (month), 2026-Q4, 2026-H2, 2026 (year). */
export type PeriodKind = 'month' | 'quarter' | 'half' | 'year'

export const PERIOD_KIND_LABELS: Record<PeriodKind, string> = {
  month: '月度',
  quarter: '季度',
  half: '半年度',
  year: '年度',
}

export function periodLabel(kind: PeriodKind, year: number, part: number): string {
  switch (kind) {
    case 'month':
      return `${year}-${String(part).padStart(2, '0')}`
    case 'quarter':
      return `${year}-Q${part}`
    case 'half':
      return `${year}-H${part}`
    case 'year':
      return String(year)
  }
}

/** The period of `kind` holding `month` (YYYY-MM). */
export function periodOf(kind: PeriodKind, month: string): { year: number; part: number } {
  const [y, m] = month.split('-').map(Number) as [number, number]
  switch (kind) {
    case 'month':
      return { year: y, part: m }
    case 'quarter':
      return { year: y, part: Math.ceil(m / 3) }
    case 'half':
      return { year: y, part: m <= 6 ? 1 : 2 }
    case 'year':
      return { year: y, part: 1 }
  }
}

/** The period `steps` before (year, part) of `kind`. */
export function shiftPeriod(kind: PeriodKind, year: number, part: number, steps: number): { year: number; part: number } {
  const per = { month: 12, quarter: 4, half: 2, year: 1 }[kind]
  const index = year * per + (part - 1) - steps
  return { year: Math.floor(index / per), part: (index % per) + 1 }
}

/** Chinese text of a period label (2026年11月, 2026年第4季度 ...). */
export function periodText(label: string): string {
  let m = /^(\d{4})-(\d{2})$/.exec(label)
  if (m) return `${m[1]}年${Number(m[2])}月`
  m = /^(\d{4})-Q([1-4])$/.exec(label)
  if (m) return `${m[1]}年第${m[2]}季度`
  m = /^(\d{4})-H([12])$/.exec(label)
  if (m) return `${m[1]}年${m[2] === '1' ? '上' : '下'}半年`
  if (/^\d{4}$/.test(label)) return `${label}年`
  return label
}

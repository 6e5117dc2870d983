/** scoring's district reports (区县对比) for a district overseer. */
import { api, type Download } from './client'

export interface Ratio {
  numerator: number
  denominator: number
  percent: string | null
}

export interface Satisfaction {
  rate: string
  n: number | null
  definition_code: string | null
  edition: number | null
}

export interface Indicators {
  events_reported: number
  acceptance_on_time: Ratio
  closure_on_time: Ratio
  events_closed: number
  escalation: Ratio
  patrol_compliance: Ratio
  satisfaction: Satisfaction | null
  staffing: Ratio
  staffing_day: string
  base_info_freshness: Ratio
  filed_systems: Ratio
  filed_late: number
}

export interface PublishedTotal {
  scheme_id: string
  scheme_version: number
  edition: number
  mean_total: string | null
  subjects: number
  evaluated_at: string
}

export interface Period {
  kind: string
  label: string
  first_day: string
  last_day: string
}

export interface TenantRow {
  tenant_id: string
  code: string
  name: string | null
  status: string
  indicators: Indicators | null
  unavailable: string | null
  published: PublishedTotal[]
}

export interface DistrictReport {
  district_id: string
  period: Period
  generated_at: string
  tenants: TenantRow[]
}

export interface TrendPoint {
  period: string
  indicators: Indicators | null
  published: PublishedTotal[]
}

export interface DistrictTrend {
  district_id: string
  kind: string
  periods: Period[]
  generated_at: string
  tenants: Array<{ tenant_id: string; code: string; name: string | null; points: TrendPoint[] }>
}

export interface DivisionReport {
  district_id: string
  tenant_id: string
  code: string
  name: string | null
  period: Period
  generated_at: string
  tenant: Indicators
  divisions: Array<{ division_id: string; name: string; indicators: Indicators }>
}

const S = 'scoring'

export function districtReport(period: string, signal?: AbortSignal): Promise<DistrictReport> {
  return api().get<DistrictReport>(S, '/district/report', { period }, signal)
}

export function districtTrend(from: string, to: string, kind: string, signal?: AbortSignal): Promise<DistrictTrend> {
  return api().get<DistrictTrend>(S, '/district/report/trend', { from, to, kind }, signal)
}

export function tenantDivisions(tenantId: string, period: string): Promise<DivisionReport> {
  return api().get<DivisionReport>(S, `/district/tenants/${encodeURIComponent(tenantId)}/divisions`, { period })
}

export function exportDistrictReport(period: string): Promise<Download> {
  return api().download(S, '/district/report/export', { period })
}

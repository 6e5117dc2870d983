/** Chinese names of the services' codes, and the tag colours the tables use. */
import type {
  ActingAs,
  EventAction,
  EventLevel,
  EventSource,
  EventState,
  ReviewOutcome,
  UnqualifiedReason,
} from '@/api/event_intake'
import type { GapKind, MonthDayStatus } from '@/api/patrol_tracking'

export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

export const STATE_LABELS: Record<EventState, string> = {
  reported: '待受理',
  accepted: '已受理',
  dispatched: '已派遣',
  escalated: '已上报',
  in_progress: '办理中',
  resolved: '办结待审',
  closed: '已结案',
  returned: '已回退',
  rejected: '无效',
  suspended: '已挂起',
  merged: '已合并',
}

export const STATE_ORDER = Object.keys(STATE_LABELS) as EventState[]

export const STATE_TAGS: Record<EventState, TagType> = {
  reported: 'warning',
  accepted: 'primary',
  dispatched: 'primary',
  escalated: 'primary',
  in_progress: 'primary',
  resolved: 'success',
  closed: 'success',
  returned: 'danger',
  rejected: 'info',
  suspended: 'info',
  merged: 'info',
}

export const SOURCE_LABELS: Record<EventSource, string> = {
  grid_app: '网格员APP',
  web: '网页上报',
  hotline_12345: '12345热线',
  inspector_patrol: '巡查发现',
  inspector_spot_check: '督查抽查',
  resident_complaint: '群众投诉',
  centre_dispatch: '中心派单',
}

export const LEVEL_LABELS: Record<EventLevel, string> = {
  grid: '网格',
  village: '村/社区',
  town: '镇/街道/园区',
  district: '区及以上',
}

export const LEVEL_ORDER: EventLevel[] = ['grid', 'village', 'town', 'district']

export const ACTION_LABELS: Record<EventAction | 'report', string> = {
  report: '上报',
  accept: '受理',
  dispatch: '派遣',
  escalate: '上报上级',
  start: '办理',
  resolve: '办结',
  close: '结案',
  return: '回退',
  reopen: '重办',
  reject_invalid: '作废（无效）',
  suspend: '挂起',
  resume: '恢复',
  extend: '延期',
  review: '审核',
  mark_shirked: '认定推诿',
  merge: '合并',
  flag_late_report: '认定迟报',
}

export const ACTING_AS_LABELS: Record<ActingAs, string> = {
  grid_worker: '网格员',
  centre: '中心',
  department: '职能部门',
  inspector: '巡查员',
  system: '系统',
}

export const OUTCOME_LABELS: Record<ReviewOutcome, string> = {
  valid: '有效',
  unqualified: '不合格',
  false: '虚假上报',
}

export const UNQUALIFIED_LABELS: Record<UnqualifiedReason, string> = {
  incomplete: '要素不全',
  photo_missing: '缺少照片',
  unclear: '描述不清',
  title_mismatch: '标题与内容不符',
  duplicate: '重复上报',
}

export const DEADLINE_LABELS: Record<string, string> = {
  acceptance: '超期未受理',
  closure: '超期未办结',
}

export const DAY_STATUS_LABELS: Record<MonthDayStatus, string> = {
  open: '未定稿',
  passed: '达标',
  failed: '未达标',
  not_patrolled: '未巡查',
  excused: '请假免考',
  rest_day: '休息日',
  not_judged: '不考核',
}

export const DAY_STATUS_TAGS: Record<MonthDayStatus, TagType> = {
  open: 'primary',
  passed: 'success',
  failed: 'danger',
  not_patrolled: 'danger',
  excused: 'warning',
  rest_day: 'info',
  not_judged: 'info',
}

export const GAP_LABELS: Record<GapKind, string> = {
  phone_silent: '手机离线',
  gps_off: '定位关闭',
  battery_saver: '省电模式',
  not_patrolling: '未巡查',
}

export const REASON_LABELS: Record<string, string> = {
  hours_short: '巡查时长不足',
  km_short: '巡查里程不足',
  no_morning: '上午未巡查',
  no_afternoon: '下午未巡查',
  online_short: '在线时长不足',
  online_rate_short: '在线率不足',
  key_person_visits_short: '重点人员走访不足',
  key_place_visits_short: '重点场所走访不足',
  week_hours_short: '周巡查时长不足',
  week_km_short: '周巡查里程不足',
}

export const UNIT_LABELS: Record<string, string> = {
  min: '分钟',
  km: '公里',
  rate: '',
  visits: '次',
  half_day: '次',
}

export const GRID_TYPE_LABELS: Record<string, string> = {
  community: '社区网格',
  village: '农村网格',
  enterprise: '企业网格',
  special: '专属网格',
}

export function label<K extends string>(table: Record<K, string>, code: string | null | undefined): string {
  if (code == null || code === '') return '—'
  return (table as Record<string, string>)[code] ?? code
}

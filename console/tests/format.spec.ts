import { describe, expect, it } from 'vitest'

import { parseConfig } from '@/config'
import { userFromClaims } from '@/auth/user'
import { periodLabel, periodOf, periodText, shiftPeriod } from '@/domain/periods'
import { addDays, addMonths, formatDateTime, formatDuration, formatPercent, shanghaiDay } from '@/utils/format'

describe('dates and figures', () => {
  it('counts days in Asia/Shanghai', () => {
    expect(shanghaiDay(new Date('2026-11-28T16:30:00Z'))).toBe('2026-11-29')
    expect(shanghaiDay(new Date('2026-11-28T15:30:00Z'))).toBe('2026-11-28')
    expect(formatDateTime('2026-11-28T02:30:00+00:00')).toBe('2026-11-28 10:30')
    expect(formatDateTime(null)).toBe('—')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addMonths('2026-01', -2)).toBe('2025-11')
  })

  it('formats durations and percents', () => {
    expect(formatDuration(7200)).toBe('2 小时')
    expect(formatDuration(7500)).toBe('2 小时 5 分')
    expect(formatDuration(600)).toBe('10 分钟')
    expect(formatPercent('83.33')).toBe('83.33%')
    expect(formatPercent('100.00')).toBe('100%')
    expect(formatPercent(null)).toBe('—')
  })

  it('names report periods as scoring reads them', () => {
    expect(periodLabel('month', 2026, 3)).toBe('2026-03')
    expect(periodLabel('quarter', 2026, 4)).toBe('2026-Q4')
    expect(periodLabel('half', 2026, 2)).toBe('2026-H2')
    expect(periodLabel('year', 2026, 1)).toBe('2026')
    expect(periodOf('quarter', '2026-11')).toEqual({ year: 2026, part: 4 })
    expect(shiftPeriod('month', 2026, 2, 5)).toEqual({ year: 2025, part: 9 })
    expect(shiftPeriod('quarter', 2026, 1, 1)).toEqual({ year: 2025, part: 4 })
    expect(periodText('2026-H1')).toBe('2026年上半年')
    expect(periodText('2026-11')).toBe('2026年11月')
  })
})

describe('session and configuration', () => {
  it('reads the user from the token, keeping the platform roles only', () => {
    const user = userFromClaims({
      sub: 's1',
      preferred_username: 'admin.a',
      name: '甲镇管理员',
      tenant_id: 'demo-town-a',
      realm_access: { roles: ['tenant-admin', 'offline_access', 'center-staff', 'default-roles-gridgov'] },
    })
    expect(user).toEqual({
      subject: 's1',
      username: 'admin.a',
      displayName: '甲镇管理员',
      tenantId: 'demo-town-a',
      districtId: null,
      roles: ['tenant-admin', 'center-staff'],
    })
    expect(userFromClaims({ sub: 's2', district_id: 'demo-district' }).roles).toEqual([])
  })

  it('requires every Keycloak setting in /console-config.json', () => {
    expect(parseConfig({ keycloakUrl: 'http://127.0.0.1:8080/', realm: 'gridgov', clientId: 'gridgov-app' })).toEqual({
      keycloakUrl: 'http://127.0.0.1:8080',
      realm: 'gridgov',
      clientId: 'gridgov-app',
    })
    expect(() => parseConfig({ realm: 'gridgov' })).toThrow('keycloakUrl、clientId')
  })
})

/** Show a failed call's message (ApiError's names the field and why; 503/429 say to retry). */
import { ElMessage } from 'element-plus'

import { ApiError } from '@/api/problem'

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error && error.message) return error.message
  return '操作失败，请稍后重试'
}

export function notifyError(error: unknown): void {
  // A 401 is already on its way to the login page.
  if (error instanceof ApiError && error.status === 401) return
  ElMessage({ type: error instanceof ApiError && error.isTemporary ? 'warning' : 'error', message: messageOf(error), duration: 6000, grouping: true, showClose: true })
}

export function notifySuccess(message: string): void {
  ElMessage({ type: 'success', message, grouping: true })
}

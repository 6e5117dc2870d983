/** Save a downloaded blob under its name (an object URL clicked, then released). */
import type { Download } from '@/api/client'

export function saveDownload(download: Download, fallbackName: string): void {
  const url = URL.createObjectURL(download.blob)
  const link = document.createElement('a')
  link.href = url
  link.download = download.filename ?? fallbackName
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

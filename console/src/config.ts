/**
 * The console's run-time settings: `/console-config.json` on its own origin (the gateway answers
 * it in a deployment, Vite's dev server from console-config.dev.json), never baked into the build.
 */
export interface ConsoleConfig {
  keycloakUrl: string
  realm: string
  clientId: string
}

export function parseConfig(data: unknown): ConsoleConfig {
  const doc = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
  const missing = (['keycloakUrl', 'realm', 'clientId'] as const).filter(
    (key) => typeof doc[key] !== 'string' || (doc[key] as string).trim() === '',
  )
  if (missing.length > 0) {
    throw new Error(`/console-config.json 缺少配置项：${missing.join('、')}`)
  }
  return {
    keycloakUrl: (doc.keycloakUrl as string).replace(/\/+$/, ''),
    realm: doc.realm as string,
    clientId: doc.clientId as string,
  }
}

export async function loadConfig(fetchImpl: typeof fetch = (i, init) => fetch(i, init)): Promise<ConsoleConfig> {
  let response: Response
  try {
    response = await fetchImpl('/console-config.json', { cache: 'no-store', headers: { Accept: 'application/json' } })
  } catch {
    throw new Error('无法连接服务器读取控制台配置（/console-config.json）')
  }
  if (!response.ok) {
    throw new Error(`无法读取控制台配置 /console-config.json（HTTP ${response.status}）`)
  }
  let data: unknown
  try {
    data = await response.json()
  } catch {
    throw new Error('控制台配置 /console-config.json 不是有效的 JSON')
  }
  return parseConfig(data)
}

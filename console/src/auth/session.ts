/**
 * The Keycloak session: log in (authorization code + PKCE S256, no login iframe), keep the token
 * fresh (before every API call and on a timer), log in again when it cannot be, log out.
 */
import Keycloak from 'keycloak-js'
import { reactive } from 'vue'

import type { ConsoleConfig } from '@/config'
import { userFromClaims, type SessionUser } from './user'

/** Refresh when the token has less than this many seconds left. */
const MIN_VALIDITY_S = 30
const REFRESH_EVERY_MS = 20_000

export const session = reactive<{ user: SessionUser | null; tenantName: string | null }>({
  user: null,
  tenantName: null,
})

let keycloak: Keycloak | null = null
let timer: ReturnType<typeof setInterval> | undefined
let redirecting = false

export async function startSession(config: ConsoleConfig): Promise<SessionUser> {
  const kc = new Keycloak({ url: config.keycloakUrl, realm: config.realm, clientId: config.clientId })
  keycloak = kc
  kc.onTokenExpired = () => {
    void refresh(MIN_VALIDITY_S)
  }
  kc.onAuthRefreshSuccess = () => {
    session.user = userFromClaims(kc.tokenParsed as Record<string, unknown> | undefined)
  }
  kc.onAuthLogout = () => relogin()
  await kc.init({
    onLoad: 'login-required',
    pkceMethod: 'S256',
    checkLoginIframe: false,
    responseMode: 'fragment',
    locale: 'zh-CN',
  })
  session.user = userFromClaims(kc.tokenParsed as Record<string, unknown> | undefined)
  timer = setInterval(() => void refresh(60), REFRESH_EVERY_MS)
  return session.user
}

async function refresh(minValidity: number): Promise<void> {
  try {
    await keycloak?.updateToken(minValidity)
  } catch {
    relogin()
  }
}

/** A valid access token, refreshed first when it expires within 30 s. */
export async function getToken(): Promise<string> {
  const kc = keycloak
  if (!kc) throw new Error('not logged in')
  try {
    await kc.updateToken(MIN_VALIDITY_S)
  } catch {
    relogin()
    throw new Error('session expired')
  }
  if (!kc.token) throw new Error('no token')
  return kc.token
}

/** Back to Keycloak's login page, returning to where the user was (once, however many calls failed). */
export function relogin(): void {
  if (redirecting || !keycloak) return
  redirecting = true
  if (timer) clearInterval(timer)
  void keycloak.login({ redirectUri: window.location.href, locale: 'zh-CN' })
}

export function logout(): void {
  if (!keycloak) return
  if (timer) clearInterval(timer)
  redirecting = true
  void keycloak.logout({ redirectUri: `${window.location.origin}/` })
}

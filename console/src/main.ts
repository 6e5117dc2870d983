/**
 * Start: read /console-config.json, log in with Keycloak (login-required, PKCE S256), install the
 * API client, then mount the console. A failure before mounting is shown as plain text.
 */
import 'element-plus/theme-chalk/base.css'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import 'dayjs/locale/zh-cn'
import './styles/main.css'

import { createApp } from 'vue'

import { ApiClient, setApiClient } from './api/client'
import { getTenant } from './api/identity'
import App from './App.vue'
import { getToken, relogin, session, startSession } from './auth/session'
import { loadConfig } from './config'
import { createAppRouter } from './router'

function showFatal(message: string): void {
  const root = document.getElementById('app')
  if (!root) return
  const box = document.createElement('div')
  box.className = 'boot-screen boot-screen--error'
  const title = document.createElement('div')
  title.className = 'boot-title'
  title.textContent = 'GridGov 网格化治理平台'
  const text = document.createElement('div')
  text.className = 'boot-text'
  text.textContent = message
  const retry = document.createElement('button')
  retry.type = 'button'
  retry.className = 'boot-retry'
  retry.textContent = '重新加载'
  retry.addEventListener('click', () => window.location.reload())
  box.append(title, text, retry)
  root.replaceChildren(box)
}

async function start(): Promise<void> {
  // Fetch the frame's code while the login round trips run.
  void import('./layout/AppLayout.vue').catch(() => undefined)
  const config = await loadConfig()
  let user
  try {
    user = await startSession(config)
  } catch {
    throw new Error(`无法连接统一身份认证服务（${config.keycloakUrl}），请稍后重试`)
  }
  setApiClient(new ApiClient({ getToken, onUnauthorized: relogin }))
  if (user.tenantId) {
    getTenant(user.tenantId)
      .then((tenant) => {
        session.tenantName = tenant.name
      })
      .catch(() => {
        /* the header shows the tenant's code instead */
      })
  }
  const app = createApp(App)
  app.use(createAppRouter())
  app.mount('#app')
}

start().catch((error: unknown) => {
  showFatal(error instanceof Error ? error.message : String(error))
})

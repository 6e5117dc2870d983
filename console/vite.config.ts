import { readFileSync, existsSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'

/** The gateway (nginx) of the local stack: every API under /api/<service>/. */
const GATEWAY = process.env.GRIDGOV_GATEWAY ?? 'http://127.0.0.1:8000'

/**
 * `npm run dev` answers /console-config.json from a file of this folder, as the gateway does in
 * a deployment: console-config.local.json when present (git-ignored), else console-config.dev.json.
 */
function consoleConfig(): Plugin {
  const here = (name: string) => fileURLToPath(new URL(name, import.meta.url))
  return {
    name: 'gridgov-console-config',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/console-config.json', (_req, res) => {
        const local = here('./console-config.local.json')
        const file = existsSync(local) ? local : here('./console-config.dev.json')
        res.setHeader('Content-Type', 'application/json; charset=utf-8')
        res.setHeader('Cache-Control', 'no-store')
        res.end(readFileSync(file))
      })
    },
  }
}

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus components and their CSS are imported on demand from the templates.
    Components({
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
      dts: 'components.d.ts',
      dirs: [],
    }),
    consoleConfig(),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    // Keycloak's client accepts redirects to http://127.0.0.1:*/* only (not localhost).
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
    proxy: {
      '/api': { target: GATEWAY, changeOrigin: false },
    },
  },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
    reportCompressedSize: true,
    rolldownOptions: {
      output: {
        // Vue and ECharts in chunks of their own (cached across deployments that do not change
        // them); Element Plus is split per component with the pages that use it, and ECharts
        // loads only with the pages that draw charts.
        codeSplitting: {
          groups: [
            { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router)[\\/]/, priority: 30 },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender|tslib)[\\/]/, priority: 20 },
          ],
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.spec.ts'],
    restoreMocks: true,
    // Mounting Element Plus pages in happy-dom takes seconds on a busy 2-core machine.
    testTimeout: 20_000,
    server: { deps: { inline: ['element-plus'] } },
  },
})

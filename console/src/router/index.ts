/** Routes, lazily loaded per page, guarded by the role table (`access.ts`). */
import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router'

import { session } from '@/auth/session'
import { canOpen, homeFor, pageOf, type RouteName } from './access'

const views: Record<RouteName, () => Promise<unknown>> = {
  dashboard: () => import('@/views/DashboardView.vue'),
  events: () => import('@/views/events/EventListView.vue'),
  'event-create': () => import('@/views/events/EventCreateView.vue'),
  'event-detail': () => import('@/views/events/EventDetailView.vue'),
  'patrol-days': () => import('@/views/patrol/PatrolDaysView.vue'),
  'patrol-live': () => import('@/views/patrol/PatrolLiveView.vue'),
  'grid-map': () => import('@/views/GridMapView.vue'),
  'district-report': () => import('@/views/district/DistrictReportView.vue'),
}

function page(name: RouteName): RouteRecordRaw {
  const access = pageOf(name)
  if (!access) throw new Error(`no access entry for ${name}`)
  return {
    path: access.path,
    name,
    component: views[name],
    meta: { title: access.title },
    props: name === 'event-detail',
  } as RouteRecordRaw
}

export function buildRoutes(): RouteRecordRaw[] {
  return [
    {
      path: '/',
      component: () => import('@/layout/AppLayout.vue'),
      children: [
        { path: '', name: 'home', redirect: () => homeFor(session.user?.roles ?? []) ?? '/no-access' },
        // /events/new before /events/:id
        page('dashboard'),
        page('events'),
        page('event-create'),
        page('event-detail'),
        page('patrol-days'),
        page('patrol-live'),
        page('grid-map'),
        page('district-report'),
        {
          path: 'no-access',
          name: 'no-access',
          component: () => import('@/views/NoAccessView.vue'),
          meta: { title: '无权访问' },
        },
        {
          path: ':pathMatch(.*)*',
          name: 'not-found',
          component: () => import('@/views/NotFoundView.vue'),
          meta: { title: '页面不存在' },
        },
      ],
    },
  ]
}

export function createAppRouter(): Router {
  const router = createRouter({ history: createWebHistory(), routes: buildRoutes() })
  router.beforeEach((to) => {
    const name = typeof to.name === 'string' ? to.name : ''
    if (pageOf(name) && !canOpen(name, session.user?.roles ?? [])) {
      return { name: 'no-access', query: { from: to.fullPath } }
    }
    return true
  })
  router.afterEach((to) => {
    const title = typeof to.meta.title === 'string' ? to.meta.title : ''
    document.title = title ? `${title} - GridGov 网格化治理平台` : 'GridGov 网格化治理平台'
  })
  return router
}

import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { enqueueJob } from '../../src/jobs/queue.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp } from '../helpers/app.js'

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }
const ids: number[] = []

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  for (const kind of ['report', 'export', 'report']) {
    ids.push((await enqueueJob(stores.control, { tenantId: 1, kind, payload: { reportId: kind } })).id)
  }
  await stores.control.query("UPDATE jobs SET status = 'succeeded', finished_at = now() WHERE id = $1", [
    ids[1],
  ])
})

describe('/admin/v1/jobs', () => {
  it('lists the jobs with their state, filtered and paged by id', async () => {
    const all = (await app.inject({ url: '/admin/v1/jobs', headers: auth })).json().jobs
    expect(all.map((j: { id: number }) => j.id)).toEqual(ids)
    expect(all[0]).toMatchObject({
      kind: 'report',
      status: 'queued',
      payload: { reportId: 'report' },
      attempts: 0,
      progress: 0,
    })
    const queued = (
      await app.inject({ url: '/admin/v1/jobs?status=queued&kind=report', headers: auth })
    ).json().jobs
    expect(queued.map((j: { id: number }) => j.id)).toEqual([ids[0], ids[2]])
    const page = (await app.inject({ url: `/admin/v1/jobs?limit=1&afterId=${ids[0]}`, headers: auth })).json()
      .jobs
    expect(page.map((j: { id: number }) => j.id)).toEqual([ids[1]])
  })

  it('shows one job, and names a missing one', async () => {
    expect((await app.inject({ url: `/admin/v1/jobs/${ids[1]}`, headers: auth })).json()).toMatchObject({
      id: ids[1],
      status: 'succeeded',
    })
    const missing = await app.inject({ url: '/admin/v1/jobs/999999', headers: auth })
    expect(missing.statusCode).toBe(404)
  })

  it('cancels a queued job and refuses to cancel a finished one', async () => {
    const cancelled = await app.inject({
      method: 'POST',
      url: `/admin/v1/jobs/${ids[2]}/cancel`,
      headers: auth,
    })
    expect(cancelled.json()).toMatchObject({ id: ids[2], status: 'cancelled' })
    expect(
      (await app.inject({ method: 'POST', url: `/admin/v1/jobs/${ids[1]}/cancel`, headers: auth }))
        .statusCode,
    ).toBe(409)
  })

  it.each(['/admin/v1/jobs?limit=0', '/admin/v1/jobs?status=lost', '/admin/v1/jobs/abc'])(
    'refuses %s with a 400 naming the parameter',
    async (url) => {
      const response = await app.inject({ url, headers: auth })
      expect(response.statusCode).toBe(400)
      expect(response.json().message).toMatch(/^(querystring|params)\.(limit|status|id): /)
    },
  )
})

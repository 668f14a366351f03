import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import favicon from 'swagger-ui-dist/favicon-32x32.png' with { type: 'file' }
import css from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
import bundleJs from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import { z } from 'zod'
import { VERSION } from '../version'
import { finishDocument } from './finish'
import { INTRO } from './intro'

/** Swagger UI assets, embedded in the binary by `bun build --compile` (no CDN: works offline). */
const ASSETS: Record<string, { path: string; type: string }> = {
  'swagger-ui-bundle.js': { path: bundleJs, type: 'application/javascript; charset=utf-8' },
  'swagger-ui.css': { path: css, type: 'text/css; charset=utf-8' },
  'favicon-32x32.png': { path: favicon, type: 'image/png' },
}

export { documented, WORKSPACE_HEADERS_DOC } from './finish'

/** The OpenAPI document at /swagger/json and Swagger UI at /swagger, generated from the routes' zod schemas. */
export function docsPlugin(basePath: string) {
  const specPath = `${basePath}/swagger/json`
  // The plugin caches its document until a route is added; the finished copy is cached alongside.
  const finished = new WeakMap<object, object>()
  return (
    new Elysia({ name: 'docs' })
      // Local: runs for the routes of this plugin only (the spec route below), never on the API's routes.
      .onAfterHandle(({ request, response }) => {
        if (typeof response !== 'object' || response === null || response instanceof Response) return
        if (new URL(request.url).pathname !== specPath) return
        let doc = finished.get(response)
        if (!doc) finished.set(response, (doc = finishDocument(response as Record<string, unknown>, basePath)))
        return doc
      })
      .get(
        '/swagger/assets/:file',
        ({ params, set }) => {
          const asset = ASSETS[params.file]
          if (!asset) return new Response('Not found', { status: 404 })
          set.headers['content-type'] = asset.type
          set.headers['cache-control'] = 'public, max-age=86400'
          return Bun.file(asset.path)
        },
        { detail: { hide: true } },
      )
      .use(
        openapi({
          path: '/swagger',
          specPath: '/swagger/json',
          provider: 'swagger-ui',
          // Input mode: a defaulted query parameter is optional for the caller.
          mapJsonSchema: { zod: (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) },
          swagger: {
            cdn: `${basePath}/swagger/assets/swagger-ui-bundle.js`,
            theme: `${basePath}/swagger/assets/swagger-ui.css`,
            // Absolute, so the page also works when opened as /swagger/ (the plugin's default is relative,
            // and its option type omits `url` although the page renderer honours it).
            ...({ url: `${basePath}/swagger/json` } as object),
            persistAuthorization: true,
          },
          exclude: { paths: ['/swagger/assets/:file'] },
          documentation: {
            info: {
              title: 'Sally API',
              version: VERSION,
              description: INTRO,
            },
            servers: [{ url: basePath || '/' }],
            components: {
              securitySchemes: {
                bearer: { type: 'http', scheme: 'bearer', description: 'Session token, atpm_ API key, or the global token.' },
                apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Personal API key (atpm_…).' },
              },
            },
            security: [{ bearer: [] }, { apiKey: [] }],
          },
        }),
      )
  )
}

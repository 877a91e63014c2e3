// Lets Node load the JSON modules that @actions/workflow-parser imports without an import
// attribute (the package is written for bundlers): `node --import ./scripts/lib/json-modules.mjs`.
import { register } from 'node:module'

const hooks = `export async function load(url, context, next) {
  if (new URL(url).pathname.endsWith('.json')) {
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } })
  }
  return next(url, context)
}`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)

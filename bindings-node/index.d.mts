/* ESM types of clickfence (index.mjs): the same declarations as index.d.ts. */
import * as binding from './index.js'

export * from './index.js'
export default binding

/* ESM types of clickfence/redis (redis.mjs): the same declarations as redis.d.ts. */
import * as redis from './redis.js'

export * from './redis.js'
export default redis

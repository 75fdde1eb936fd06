// Argument checks shared by main.cjs and redis.js: a wrong type or an
// unknown option key is an Error with code invalid_argument, as the addon's.
'use strict'

function invalid(message) {
  const err = new TypeError(message)
  err.code = 'invalid_argument'
  return err
}

// Option objects: unknown keys are mistakes, refused rather than ignored.
function options(given, allowed, what) {
  if (given === undefined || given === null) return undefined
  if (typeof given !== 'object') throw invalid(`${what} must be an object`)
  for (const key in given) {
    if (!allowed.includes(key)) throw invalid(`${what}: unknown option ${key} (known: ${allowed.join(', ')})`)
  }
  return given
}

module.exports = { invalid, options }

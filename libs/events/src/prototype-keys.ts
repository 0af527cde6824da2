/**
 * Keys that reach an object's prototype rather than a property of its own once a body is
 * copied onto an object (`__proto__`) or read back by name (`constructor`, `prototype`): what
 * Nest's ValidationPipe strips before class-transformer reads a body. One set for every place
 * that drops or refuses them (request bodies, JSON-LD reads, secret aliases).
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

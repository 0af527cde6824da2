const jsonLdBodies = new WeakSet<object>();

/**
 * Marks a request DTO whose body is JSON-LD, read as EDC reads it (expanded first; see
 * read-json-ld.ts). Bodies of other DTOs (the inbound callbacks' settings, which carry JSON
 * Schemas and headers) are plain JSON and read as they are.
 */
export function JsonLdBody(): ClassDecorator {
  return (target) => {
    jsonLdBodies.add(target);
  };
}

export function isJsonLdBody(type: unknown): boolean {
  return typeof type === 'function' && jsonLdBodies.has(type);
}

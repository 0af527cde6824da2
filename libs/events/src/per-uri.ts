/** URIs remembered by each `perUri` function; beyond it, it forgets them all and starts again. */
const MAX_URIS_REMEMBERED = 10_000;

/**
 * `derive` remembered per endpoint URI: what the hot path derives from a URI (its id, its parsed
 * parts, whether the address policy allows it) is the same for every delivery to it, and there
 * are far fewer endpoints than deliveries. Memory stays bounded however many URIs come by.
 */
export function perUri<T>(derive: (uri: string) => T): (uri: string) => T {
  const remembered = new Map<string, T>();
  return (uri) => {
    let value = remembered.get(uri);
    if (value === undefined) {
      if (remembered.size >= MAX_URIS_REMEMBERED) remembered.clear();
      value = derive(uri);
      remembered.set(uri, value);
    }
    return value;
  };
}

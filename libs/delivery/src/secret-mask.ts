/** What a secret reads as wherever an attempt is stored: the delivery log, Bull Board, the log. */
export const SECRET_MASK = '***';

/**
 * The forms in which a receiver may echo a secret back: as sent, and escaped inside a JSON
 * string (echo services answer with the request's headers as JSON).
 */
function formsOf(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return escaped === secret ? [secret] : [secret, escaped];
}

/** How many bytes past a cut-off must be read so that a secret starting before it is seen whole. */
export function secretOverlapBytes(secret: string | undefined): number {
  return secret ? Math.max(...formsOf(secret).map((form) => Buffer.byteLength(form))) : 0;
}

/** `text` with every occurrence of the secret masked. */
export function maskSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return formsOf(secret).reduce((masked, form) => masked.split(form).join(SECRET_MASK), text);
}

/**
 * The first `limit` bytes of `bytes` as text, with every occurrence of the secret that starts
 * within them masked. `bytes` should run `secretOverlapBytes` past `limit` (when the reply is
 * that long), so a secret cut in two by the limit is masked too rather than half shown.
 */
export function maskedHead(bytes: Buffer, limit: number, secret: string | undefined): string {
  const end = Math.min(limit, bytes.length);
  const forms = secret ? formsOf(secret).map((form) => Buffer.from(form)) : [];
  const parts: Buffer[] = [];
  let from = 0;
  while (from < end) {
    let at = -1;
    let length = 0;
    for (const form of forms) {
      const found = bytes.indexOf(form, from);
      if (found !== -1 && found < end && (at === -1 || found < at)) [at, length] = [found, form.length];
    }
    if (at === -1) {
      parts.push(bytes.subarray(from, end));
      break;
    }
    parts.push(bytes.subarray(from, at), Buffer.from(SECRET_MASK));
    from = at + length;
  }
  // A very short secret masked many times can make the text longer than the limit.
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}

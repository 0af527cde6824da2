import type { ConfigProblem } from './env-reader';
import { readFileSync, statSync } from 'node:fs';

type Problem = ConfigProblem;

/** One more JSON-LD context the api serves, from a local file (`EDC_JSONLD_DOCUMENT_<ALIAS>_URL` / `_PATH`). */
export interface JsonLdDocument {
  alias: string;
  /** The URL a request names it by. */
  url: string;
  path: string;
  /** The file's JSON: an object with `@context`. */
  document: object;
}

/** Largest file taken: contexts are a few KiB; a larger one is a mistake, not a context. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

// The alias may itself contain underscores, so the field is matched at the end of the name.
const KEY = /^EDC_JSONLD_DOCUMENT_(.+?)_(URL|PATH)$/;

/**
 * EDC's `edc.jsonld.document.<alias>.url` / `.path` as environment variables (upper-cased,
 * dots and dashes as underscores, as EDC reads them): each alias maps one URL to a local file,
 * read once here. A missing half, a URL that is not absolute, or a file that cannot be read or
 * is not a JSON object with `@context` stops the start, naming the variable.
 */
export function parseJsonLdDocuments(env: NodeJS.ProcessEnv, problems: Problem[]): JsonLdDocument[] {
  const groups = new Map<string, Map<string, { variable: string; value: string }>>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim() === '') continue;
    const match = KEY.exec(name.toUpperCase().replace(/[.-]/g, '_'));
    if (!match) continue;
    const [, alias, field] = match;
    groups.set(alias, (groups.get(alias) ?? new Map()).set(field, { variable: name, value: value.trim() }));
  }
  const documents: JsonLdDocument[] = [];
  for (const [alias, fields] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const url = fields.get('URL');
    const path = fields.get('PATH');
    if (!url) problems.push({ variable: `EDC_JSONLD_DOCUMENT_${alias}_URL`, reason: 'is required with its _PATH' });
    if (!path) problems.push({ variable: `EDC_JSONLD_DOCUMENT_${alias}_PATH`, reason: 'is required with its _URL' });
    if (!url || !path) continue;
    if (!isAbsoluteUrl(url.value)) {
      problems.push({ variable: url.variable, reason: 'must be an absolute URL' });
      continue;
    }
    const document = readDocument(path.value);
    if (typeof document === 'string') problems.push({ variable: path.variable, reason: document });
    else documents.push({ alias, url: url.value, path: path.value, document });
  }
  return documents;
}

function isAbsoluteUrl(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}

/** The file's JSON object, or why it cannot be served. */
function readDocument(path: string): object | string {
  try {
    if (statSync(path).size > MAX_DOCUMENT_BYTES) return `names a file larger than ${MAX_DOCUMENT_BYTES} bytes`;
    const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (json === null || typeof json !== 'object' || Array.isArray(json) || !('@context' in json))
      return 'names a file that is not a JSON-LD context document (a JSON object with "@context")';
    return json;
  } catch (err) {
    return `names a file that cannot be read as JSON (${(err as Error).message})`;
  }
}

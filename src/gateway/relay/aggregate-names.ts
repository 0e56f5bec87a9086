import { AGGREGATE_SEPARATOR } from '../tool-names';

/**
 * How resources and prompts are named on the aggregated endpoint `/mcp`, reversibly and without
 * collisions between servers (docs/mcp-wire-notes.md §9):
 *
 * - a prompt is `<server slug>__<prompt>`, as tools are (slugs cannot contain `__`, so the first
 *   `__` is the separator);
 * - a resource URI is `warden://<server slug>/<the upstream's URI, verbatim>`. Verbatim, not
 *   percent-encoded: a resource template `warden://<slug>/<upstream template>` then expands to
 *   exactly `warden://<slug>/` + what the upstream template expands to, whatever the values (an
 *   encoded form cannot tell the literal's escapes from the ones an expansion inserts). The result
 *   is a valid URI: the upstream URI's `:` and `//` are legal in a path, and its query or fragment
 *   stays the warden URI's own. Only the prefix is ever parsed; the rest is the upstream's string.
 */
export const WARDEN_URI_SCHEME = 'warden://';

export interface NamespacedName {
  slug: string;
  /** The upstream's own name or URI. */
  name: string;
}

export const aggregatedPromptName = (slug: string, name: string): string => `${slug}${AGGREGATE_SEPARATOR}${name}`;

export function splitAggregatedName(name: unknown): NamespacedName | undefined {
  if (typeof name !== 'string') return undefined;
  const at = name.indexOf(AGGREGATE_SEPARATOR);
  if (at <= 0 || at + AGGREGATE_SEPARATOR.length >= name.length) return undefined;
  return { slug: name.slice(0, at), name: name.slice(at + AGGREGATE_SEPARATOR.length) };
}

export const wardenUri = (slug: string, uri: string): string => `${WARDEN_URI_SCHEME}${slug}/${uri}`;

export function parseWardenUri(uri: unknown): NamespacedName | undefined {
  if (typeof uri !== 'string' || !uri.startsWith(WARDEN_URI_SCHEME)) return undefined;
  const rest = uri.slice(WARDEN_URI_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return { slug: rest.slice(0, slash), name: rest.slice(slash + 1) };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A list entry with its `key` (uri, uriTemplate, name) put in the namespace; entries without one are dropped. */
function renamed(items: unknown, key: string, rename: (value: string) => string): Json[] {
  if (!Array.isArray(items)) return [];
  return items.filter((item): item is Json => isObject(item) && typeof item[key] === 'string').map((item) => ({ ...item, [key]: rename(item[key] as string) }));
}

export const namespacedResources = (slug: string, items: unknown): Json[] => renamed(items, 'uri', (uri) => wardenUri(slug, uri));
export const namespacedTemplates = (slug: string, items: unknown): Json[] => renamed(items, 'uriTemplate', (t) => wardenUri(slug, t));
export const namespacedPrompts = (slug: string, items: unknown): Json[] => renamed(items, 'name', (name) => aggregatedPromptName(slug, name));

/**
 * One content block with the resource URIs it embeds put in the namespace: an embedded resource
 * (`{type:'resource', resource:{uri}}`) and a resource link (`{type:'resource_link', uri}`).
 * Other blocks are returned as they are.
 */
export function namespacedContentBlock(slug: string, block: unknown): unknown {
  if (!isObject(block)) return block;
  if (block.type === 'resource' && isObject(block.resource) && typeof block.resource.uri === 'string') {
    return { ...block, resource: { ...block.resource, uri: wardenUri(slug, block.resource.uri) } };
  }
  if (block.type === 'resource_link' && typeof block.uri === 'string') return { ...block, uri: wardenUri(slug, block.uri) };
  return block;
}

/** A `resources/read` result: every content's `uri` in the namespace. */
export function namespacedReadResult(slug: string, result: Json): Json {
  if (!Array.isArray(result.contents)) return result;
  return { ...result, contents: result.contents.map((c: unknown) => (isObject(c) && typeof c.uri === 'string' ? { ...c, uri: wardenUri(slug, c.uri) } : c)) };
}

/** A `prompts/get` result: the resources its messages embed or link, in the namespace. */
export function namespacedPromptResult(slug: string, result: Json): Json {
  if (!Array.isArray(result.messages)) return result;
  const messages = result.messages.map((m: unknown) => {
    if (!isObject(m)) return m;
    const content = Array.isArray(m.content) ? m.content.map((b: unknown) => namespacedContentBlock(slug, b)) : namespacedContentBlock(slug, m.content);
    return { ...m, content };
  });
  return { ...result, messages };
}

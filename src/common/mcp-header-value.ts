/**
 * Values of the 2026-07-28 routing headers (`Mcp-Name`, `Mcp-Param-*`): a value that is not a
 * plain visible-ASCII HTTP field value (or has leading/trailing whitespace, or is empty, or
 * already looks like the sentinel) travels as `=?base64?<base64 of its UTF-8>?=`.
 */
/** The parameter a 2026-07-28 request's `Mcp-Name` header mirrors, per method. */
export const MCP_NAME_PARAM: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** The `Mcp-Name` value of a request: the string its method's name parameter holds, if any. */
export function mcpNameOf(method: string, params: Record<string, unknown> | undefined): { param: string; value: unknown } | undefined {
  const param = Object.hasOwn(MCP_NAME_PARAM, method) ? MCP_NAME_PARAM[method] : undefined;
  return param ? { param, value: params?.[param] } : undefined;
}

const PREFIX = '=?base64?';
const SUFFIX = '?=';
const PLAIN = /^[\t\x20-\x7e]+$/;

function looksEncoded(value: string): boolean {
  return value.startsWith(PREFIX) && value.endsWith(SUFFIX) && value.length >= PREFIX.length + SUFFIX.length;
}

export function encodeMcpHeaderValue(value: string): string {
  const plain = value.length > 0 && value === value.trim() && PLAIN.test(value) && !looksEncoded(value);
  return plain ? value : `${PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SUFFIX}`;
}

/** The value a header carries; undefined when it claims to be encoded but is not valid base64 UTF-8. */
export function decodeMcpHeaderValue(header: string): string | undefined {
  if (!looksEncoded(header)) return header;
  const b64 = header.slice(PREFIX.length, header.length - SUFFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(b64, 'base64');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/**
 * The `Mcp-Param-<Name>` headers of a 2026-07-28 `tools/call`: one for each argument whose
 * property in the tool's inputSchema declares `"x-mcp-header": "<Name>"` (nested object
 * properties too), with the argument's value as text (strings as they are, numbers in decimal,
 * booleans as true/false) and encoded as above. Absent, null or non-primitive values get none, as
 * the SDK client does. Header names are lower-cased (HTTP names are case-insensitive).
 */
export function mcpParamHeaders(inputSchema: unknown, args: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  const walk = (schema: unknown, value: unknown) => {
    const properties = (schema as { properties?: unknown } | null)?.properties;
    if (typeof properties !== 'object' || properties === null || typeof value !== 'object' || value === null) return;
    for (const [key, property] of Object.entries(properties as Record<string, unknown>)) {
      const argument = (value as Record<string, unknown>)[key];
      const name = (property as { 'x-mcp-header'?: unknown } | null)?.['x-mcp-header'];
      if (typeof name === 'string' && /^[A-Za-z0-9-]+$/.test(name)) {
        const text = primitiveText(argument);
        if (text !== undefined) headers[`mcp-param-${name.toLowerCase()}`] = encodeMcpHeaderValue(text);
      } else {
        walk(property, argument);
      }
    }
  };
  walk(inputSchema, args);
  return headers;
}

function primitiveText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value))) return String(value);
  return undefined;
}

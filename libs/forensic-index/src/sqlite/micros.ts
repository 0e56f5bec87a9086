const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** µs since the epoch of an RFC 3339 time (the ledger's `at`, µs precision); undefined if it is not one. */
export function microsOf(rfc3339: string): number | undefined {
  const match = RFC3339.exec(rfc3339);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3].toUpperCase()}`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return seconds * 1000 + Number(fraction);
}

/** Shape checks of hex text, free of node:crypto (the export verifier runs in a browser). */
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

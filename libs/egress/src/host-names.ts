/** Names of cloud metadata services (with and without their search-domain suffixes). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
  'metadata.packet.net',
]);

/** Special-use names (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal) that only mean something locally. */
const LOCAL_SUFFIXES = ['localhost', 'local', 'localdomain', 'internal', 'home.arpa', 'lan', 'intranet', 'corp'];

export function isMetadataName(host: string): boolean {
  return METADATA_NAMES.has(host);
}

/** The local-only suffix a name falls under ('localhost' for 'a.localhost'), or undefined. */
export function localNameSuffix(host: string): string | undefined {
  return LOCAL_SUFFIXES.find((suffix) => host === suffix || host.endsWith(`.${suffix}`));
}

/** A DNS name warden will try: labels of 1–63 letters, digits, '-' or '_', 253 characters at most. */
export function isPlausibleDnsName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label));
}

/**
 * IPv6 forms that carry an IPv4 address (RFC 4291 mapped and the deprecated compatible, RFC 6052 NAT64 well-known prefix,
 * RFC 3056 6to4): the IPv4 address a connection to them reaches, checked like a literal.
 */
export interface EmbeddedIpv4 {
  form: 'IPv4-mapped' | 'IPv4-compatible' | 'NAT64' | '6to4';
  ipv4: string;
}

/** The eight 16-bit groups of a valid IPv6 literal (zone id dropped; net.isIP has vouched for it). */
export function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a, b, c, d] = text.slice(lastColon + 1).split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<number>(zeros).fill(0), ...right];
}

export function embeddedIpv4(address: string): EmbeddedIpv4 | undefined {
  const g = ipv6Groups(address);
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return { form: 'IPv4-mapped', ipv4: quad(g[6], g[7]) };
  if (g.slice(0, 6).every((x) => x === 0) && (g[6] !== 0 || g[7] > 1)) return { form: 'IPv4-compatible', ipv4: quad(g[6], g[7]) };
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) return { form: 'NAT64', ipv4: quad(g[6], g[7]) };
  if (g[0] === 0x2002) return { form: '6to4', ipv4: quad(g[1], g[2]) };
  return undefined;
}

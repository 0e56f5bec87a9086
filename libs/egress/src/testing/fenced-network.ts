import { createServer, type RequestListener } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { buildConnector } from 'undici';
import type { BaseLookup, LookupFunction } from '../checked-lookup';

/**
 * Test plumbing that cannot leave the machine even if the guard under test is wrong: names resolve
 * only through a table of loopback answers, and the connector refuses (and counts) any connection
 * whose host or resolved address is not 127.0.0.1 / ::1.
 */
const LOOPBACK = new Set(['127.0.0.1', '::1']);

export interface FencedNetwork {
  /** The stub resolver: names in `answers` get the listed addresses in turn (the last one repeats). */
  lookup: BaseLookup;
  connector: (lookup: LookupFunction) => buildConnector.connector;
  /** Hosts or addresses the fence stopped; a correct guard stops them first, so this stays empty. */
  fenced: string[];
  lookups: string[];
}

export function fencedNetwork(answers: Record<string, string[][]>): FencedNetwork {
  const served = new Map<string, number>();
  const fenced: string[] = [];
  const lookups: string[] = [];
  const lookup: BaseLookup = (hostname, _options, callback) => {
    lookups.push(hostname);
    const name = hostname.toLowerCase().replace(/\.+$/, ''); // as resolvers read names
    const series = answers[name];
    if (!series) {
      const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return process.nextTick(() => callback(error, []));
    }
    const turn = served.get(name) ?? 0;
    served.set(name, turn + 1);
    const addresses: LookupAddress[] = series[Math.min(turn, series.length - 1)].map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    process.nextTick(() => callback(null, addresses));
  };
  const connector = (checked: LookupFunction): buildConnector.connector => {
    const fencedLookup: LookupFunction = (hostname, options, callback) =>
      checked(hostname, options, (error, address, family) => {
        const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
        const outside = all.filter((a) => !LOOPBACK.has(a));
        if (!error && outside.length > 0) {
          fenced.push(...outside);
          return callback(new Error(`test fence: ${outside.join(', ')} is not loopback`), []);
        }
        callback(error, address, family);
      });
    const open = buildConnector({ lookup: fencedLookup });
    return (target, callback) => {
      const host = target.hostname.replace(/^\[|\]$/g, '');
      const literal = /^[\d.]+$/.test(host) || host.includes(':');
      if ((literal && !LOOPBACK.has(host)) || (!literal && !answers[host])) {
        fenced.push(host);
        return callback(new Error(`test fence: ${host} is not loopback`), null);
      }
      open(target, callback);
    };
  };
  return { lookup, connector, fenced, lookups };
}

export interface LoopbackServer {
  port: number;
  /** Paths requested, with the authorization header each carried. */
  requests: Array<{ path: string; authorization?: string }>;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 (a free port) that records what it was asked. */
export async function loopbackServer(listener: RequestListener): Promise<LoopbackServer> {
  const requests: LoopbackServer['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { request } from 'undici';
import { createEgressDispatcher } from './egress-dispatcher';
import type { EgressPolicy } from './egress-policy';
import { requestFollowingRedirects } from './follow-redirects';
import { fencedNetwork, loopbackServer, type LoopbackServer } from './testing/fenced-network';

/**
 * Real HTTP, 127.0.0.1 only: every name below resolves through the fence's table to 127.0.0.1
 * (or is refused), and the fence's connector refuses any other address even if the guard is wrong.
 */
describe('createEgressDispatcher', () => {
  let server: LoopbackServer;
  beforeEach(async () => {
    server = await loopbackServer((req, res) => {
      const [path] = (req.url ?? '/').split('?');
      const hops: Record<string, string> = { '/to-metadata': 'http://169.254.169.254/latest/meta-data/' };
      if (hops[path]) {
        res.writeHead(302, { location: hops[path] }).end('moved');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`landed at ${path}`);
    });
  });
  afterEach(() => server.close());

  const names = () => ({ 'first.test': [['127.0.0.1']], 'second.test': [['127.0.0.1']], 'third.test': [['127.0.0.1']], 'rebind.test': [['127.0.0.1'], ['127.0.0.2']] });
  const FIRST_ONLY: EgressPolicy = { allowHttpHosts: ['first.test', 'second.test', 'third.test'], allowPrivateHosts: ['first.test', 'third.test'] };

  it('connects where the policy allows the resolved address, and refuses the same server under a name it does not', async () => {
    const net = fencedNetwork(names());
    const dispatcher = createEgressDispatcher(FIRST_ONLY, net);
    try {
      const ok = await request(`http://first.test:${server.port}/hello`, { dispatcher });
      expect(ok.statusCode).toBe(200);
      expect(await ok.body.text()).toBe('landed at /hello');
      await expect(request(`http://second.test:${server.port}/hello`, { dispatcher })).rejects.toMatchObject({ code: 'EGRESS.BLOCKED_ADDRESS' });
      expect(server.requests.map((r) => r.path)).toEqual(['/hello']);
      expect(net.fenced).toEqual([]);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses an address literal at connect time (node does not call lookup for literals)', async () => {
    const net = fencedNetwork(names());
    const dispatcher = createEgressDispatcher({ allowHttpHosts: ['127.0.0.1'] }, net);
    try {
      await expect(request(`http://127.0.0.1:${server.port}/x`, { dispatcher })).rejects.toMatchObject({ code: 'EGRESS.BLOCKED_ADDRESS' });
      await expect(request(`http://[::1]:${server.port}/x`, { dispatcher })).rejects.toMatchObject({ code: 'EGRESS.BLOCKED_ADDRESS' });
      expect(server.requests).toEqual([]);
      expect(net.lookups).toEqual([]);
    } finally {
      await dispatcher.close();
    }
    const allowed = createEgressDispatcher({ allowHttpHosts: ['127.0.0.1'], allowAddresses: ['127.0.0.1'] }, net);
    try {
      expect((await request(`http://127.0.0.1:${server.port}/x`, { dispatcher: allowed })).statusCode).toBe(200);
    } finally {
      await allowed.close();
    }
  });

  it('checks each new connection again: a name that rebinds to a blocked address is refused on its next connect', async () => {
    const net = fencedNetwork(names());
    const dispatcher = createEgressDispatcher({ allowHttpHosts: ['rebind.test'], allowAddresses: ['127.0.0.1'] }, net);
    try {
      const first = await request(`http://rebind.test:${server.port}/one`, { dispatcher, reset: true });
      expect(first.statusCode).toBe(200);
      await first.body.text();
      await expect(request(`http://rebind.test:${server.port}/two`, { dispatcher, reset: true })).rejects.toMatchObject({ code: 'EGRESS.BLOCKED_ADDRESS' });
      expect(server.requests.map((r) => r.path)).toEqual(['/one']);
      expect(net.lookups).toEqual(['rebind.test', 'rebind.test']);
      expect(net.fenced).toEqual([]);
    } finally {
      await dispatcher.close();
    }
  });

  it('does not follow redirects by itself', async () => {
    const net = fencedNetwork(names());
    const dispatcher = createEgressDispatcher(FIRST_ONLY, net);
    try {
      const response = await request(`http://first.test:${server.port}/to-metadata`, { dispatcher });
      expect(response.statusCode).toBe(302);
      expect(response.headers.location).toBe('http://169.254.169.254/latest/meta-data/');
      await response.body.dump();
      expect(server.requests).toHaveLength(1);
    } finally {
      await dispatcher.close();
    }
  });
});

describe('requestFollowingRedirects', () => {
  let server: LoopbackServer;
  let port: number;
  beforeEach(async () => {
    server = await loopbackServer((req, res) => {
      const hops: Record<string, string> = {
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/to-metadata-name': 'http://metadata.google.internal/computeMetadata/v1/',
        '/to-second': `http://second.test:${port}/landed`,
        '/to-third': `http://third.test:${port}/landed`,
        '/to-next': '/landed',
        '/loop': '/loop',
        '/to-ftp': 'ftp://first.test/',
      };
      const location = hops[req.url ?? ''];
      if (location) res.writeHead(req.url === '/to-next' ? 307 : 302, { location }).end('moved');
      else res.writeHead(200).end(`landed at ${req.url}`);
    });
    port = server.port;
  });
  afterEach(() => server.close());

  const POLICY: EgressPolicy = { allowHttpHosts: ['first.test', 'second.test', 'third.test'], allowPrivateHosts: ['first.test', 'third.test'] };
  const names = { 'first.test': [['127.0.0.1']], 'second.test': [['127.0.0.1']], 'third.test': [['127.0.0.1']] };

  async function follow(path: string, init: Parameters<typeof requestFollowingRedirects>[3] = {}) {
    const net = fencedNetwork(names);
    const dispatcher = createEgressDispatcher(POLICY, net);
    try {
      const response = await requestFollowingRedirects(dispatcher, POLICY, `http://first.test:${port}${path}`, init);
      return { response, text: await response.body.text(), net };
    } finally {
      await dispatcher.close();
      expect(net.fenced).toEqual([]);
    }
  }

  it('refuses a hop to the metadata address before connecting to it', async () => {
    await expect(follow('/to-metadata')).rejects.toMatchObject({ code: 'EGRESS.METADATA', decision: { allowed: false, reason: 'EGRESS.METADATA' } });
    await expect(follow('/to-metadata-name')).rejects.toMatchObject({ code: 'EGRESS.METADATA' });
    expect(server.requests.map((r) => r.path)).toEqual(['/to-metadata', '/to-metadata-name']);
  });

  it('refuses at connect time a hop whose name passes the URL check but resolves to a blocked address', async () => {
    await expect(follow('/to-second')).rejects.toMatchObject({ code: 'EGRESS.BLOCKED_ADDRESS' });
    expect(server.requests.map((r) => r.path)).toEqual(['/to-second']);
  });

  it('refuses a hop to another scheme, and stops after maxRedirects', async () => {
    await expect(follow('/to-ftp')).rejects.toMatchObject({ code: 'EGRESS.SCHEME' });
    await expect(follow('/loop', { maxRedirects: 3 })).rejects.toMatchObject({ code: 'EGRESS.TOO_MANY_REDIRECTS' });
    expect(server.requests.filter((r) => r.path === '/loop')).toHaveLength(4);
  });

  it('follows allowed hops, keeping credentials on the first origin only', async () => {
    const same = await follow('/to-next', { method: 'POST', body: 'x', headers: { authorization: 'Bearer s3cret-token' } });
    expect(same.text).toBe('landed at /landed');
    const cross = await follow('/to-third', { headers: { authorization: 'Bearer s3cret-token' } });
    expect(cross.text).toBe('landed at /landed');
    expect(server.requests).toEqual([
      { path: '/to-next', authorization: 'Bearer s3cret-token' },
      { path: '/landed', authorization: 'Bearer s3cret-token' },
      { path: '/to-third', authorization: 'Bearer s3cret-token' },
      { path: '/landed', authorization: undefined },
    ]);
  });
});

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { CapturedLogs } from './support/captured-logs';
import { dataDirFiles, filesContaining } from './support/data-dir-bytes';
import { startHarness, type Harness } from './support/gateway-harness';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';

/**
 * Issue 13, items 10 and 11: no secret reaches the permanent record. Credentials in an upstream
 * URL are refused before anything is recorded; a presented key (valid or not, warden's or a
 * foreign one pasted by mistake) is recorded as a keyed digest, never by its characters.
 * Checked as an attacker with the files would: every byte of the data directory, and the logs.
 */
describe('secrets never enter the ledger', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  const logs = new CapturedLogs();

  /** Every substring of `secret` of 6 or more characters (it is enough to check the 6-character ones). */
  const sixCharParts = (secret: string) => Array.from({ length: secret.length - 5 }, (_, i) => secret.slice(i, i + 6));
  const leaks = (secret: string) => {
    const everything = [...dataDirFiles(h.dataDir).map((f) => f.bytes.toString('latin1')), logs.text()];
    return sixCharParts(secret).filter((part) => everything.some((text) => text.includes(part)));
  };

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness({}, { logger: logs.logger });
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  describe('credentials in upstream URLs', () => {
    const CANARY = 'cnry7QxZwV9pLm';
    it.each([
      ['api_key', (url: string) => `${url}?api_key=${CANARY}`, 'query parameter "api_key"'],
      ['Token, any case', (url: string) => `${url}?region=eu&Token=${CANARY}`, 'query parameter "Token"'],
      ['X-Amz-Signature', (url: string) => `${url}?X-Amz-Signature=${CANARY}`, 'query parameter "X-Amz-Signature"'],
      ['user info', (url: string) => url.replace('http://', `http://u:${CANARY}@`), 'user info'],
    ])('refuses %s with 400 UPSTREAM.CREDENTIALS_IN_URL, pointing to the vault, echoing and recording nothing', async (_what, withSecret, where) => {
      const before = readLedger(h.dataDir).length;
      const res = await h.api.request('POST', '/v1/servers', { name: 'Leaky', slug: 'leaky', url: withSecret(upstream.url) });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'UPSTREAM.CREDENTIALS_IN_URL', field: 'url' });
      expect(res.body.detail).toContain(where);
      expect(res.body.detail).toContain('credentials belong in the vault; register the credential separately');
      expect(JSON.stringify(res.body)).not.toContain(CANARY);
      expect(readLedger(h.dataDir)).toHaveLength(before);
      expect(upstream.requests.all().length).toBe(0); // refused before discovery reached it
    });

    it('leaves the canary nowhere in the data directory (ledger.db, -wal, every file) or the logs', () => {
      expect(filesContaining(h.dataDir, CANARY)).toEqual([]);
      expect(logs.text()).not.toContain(CANARY);
    });

    it('still registers a URL whose query holds no credential', async () => {
      const server = await h.api.registerServer('Notes', 'notes', `${upstream.url}?region=eu`);
      expect(server.tools.length).toBeGreaterThan(0);
      expect(eventsOfType(h.dataDir, 'ServerRegistered').at(-1)!.data.url).toBe(`${upstream.url}?region=eu`);
    });
  });

  describe('hints of presented keys', () => {
    const FOREIGN = ['AKIAZQXWVUTSRPNMLKJY', `ghp_${'Zq9XwVuTsRpNmLkJhGfDcBa8765yXwVuTsRq'}`, 'wdn_agent_NotARealKeyButShapedLikeOneZqXwVuTsRpNmLkJhGf'];

    it.each(FOREIGN)('records %s at /mcp and /v1 only as a keyed digest, and logs none of it', async (token) => {
      const auth = { authorization: `Bearer ${token}` };
      const before = eventsOfType(h.dataDir, 'RequestRejected').length;
      const mcp = await rawPost(`${h.url}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernMeta } }, { ...auth, ...modernHeaders('tools/list') });
      expect(mcp.status).toBe(401);
      const one = await rawPost(`${h.url}/mcp/notes`, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: modernMeta } }, { ...auth, ...modernHeaders('tools/list') });
      expect(one.status).toBe(401);
      const v1 = await fetch(`${h.url}/v1/agents`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"x"}' });
      expect(v1.status).toBe(401);
      await h.settled();

      const rejected = eventsOfType(h.dataDir, 'RequestRejected').slice(before);
      expect(rejected.map((e) => e.data.path)).toEqual(['/mcp', '/mcp/notes', '/v1/agents']); // /v1 failures are recorded too
      for (const event of rejected) expect(event.data.keyHint).toMatch(/^#[0-9a-f]{16}$/);
      expect(new Set(rejected.map((e) => e.data.keyHint)).size).toBe(1); // the same key, the same hint
      expect(leaks(token.replace(/^wdn_agent_/, ''))).toEqual([]); // warden's public prefix is no secret
    });

    it("records an issued key's hint as its kind and a keyed digest: none of the random part", async () => {
      const { apiKey, agent } = await h.api.registerAgent('assistant');
      const registered = eventsOfType(h.dataDir, 'AgentRegistered').find((e) => e.data.agentId === agent.agentId)!;
      expect(registered.data.hint).toMatch(/^wdn_agent_#[0-9a-f]{16}$/);
      expect(eventsOfType(h.dataDir, 'AdminKeyIssued')[0].data.hint).toMatch(/^wdn_admin_#[0-9a-f]{16}$/);
      expect(leaks(apiKey.slice('wdn_agent_'.length))).toEqual([]);
      expect(leaks(h.adminKey.slice('wdn_admin_'.length))).toEqual([]);
    });

    it('keeps the hint secret in the keys folder, mode 0600', () => {
      expect(statSync(join(h.dataDir, 'keys', 'key-hints.key')).mode & 0o777).toBe(0o600);
    });
  });
});

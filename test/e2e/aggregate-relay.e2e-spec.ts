import { connectAgent, surfacingRpcErrors, type Agent, type AgentRevision } from '../fixtures/agent-clients';
import { startConformanceEverythingServer, type ConformanceEverythingServer } from '../fixtures/conformance-everything-server';
import { NOTES_INDEX_URI, SUMMARISE_PROMPT } from '../fixtures/content-fixture';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { startPagedResourcesServer, type PagedResourcesServer } from '../fixtures/paged-resources-server';
import { createNoteStore } from '../fixtures/tool-fixture';
import { eventsOfType } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * The aggregated endpoint `/mcp` serves the resources, templates, prompts and completions of every
 * server the agent may use (issue 18): URIs as `warden://<slug>/<upstream uri>`, prompts as
 * `<slug>__<prompt>`, lists paged one upstream at a time with sealed cursors, every request relayed
 * with the gates and records of `/mcp/<slug>`. Real SDK 1.x and 2.x agents, three upstreams of
 * both eras, and one server the agent may not use.
 */
const AGENTS: AgentRevision[] = ['2025-11-25', '2026-07-28'];

interface ContentClient {
  getServerCapabilities(): Record<string, unknown> | undefined;
  listResources(params?: { cursor?: string }): Promise<{ resources: Array<{ uri: string; name: string }>; nextCursor?: string }>;
  listResourceTemplates(params?: { cursor?: string }): Promise<{ resourceTemplates: Array<{ uriTemplate: string }>; nextCursor?: string }>;
  readResource(params: { uri: string }): Promise<{ contents: Array<{ uri: string; text?: string; blob?: string }> }>;
  listPrompts(params?: { cursor?: string }): Promise<{ prompts: Array<{ name: string }>; nextCursor?: string }>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<{ messages: Array<{ role: string; content: Record<string, unknown> }> }>;
  complete(params: { ref: Record<string, unknown>; argument: { name: string; value: string } }): Promise<{ completion: { values: string[] } }>;
}
const contentOf = (agent: Agent) => agent.raw as unknown as ContentClient;

type ListPage = { nextCursor?: string } & Record<string, unknown>;
/**
 * One page of a list. The 2.x client's list methods walk every page themselves when called
 * without a cursor, so its first page is asked for with a plain request.
 */
function pageOf(client: ContentClient, revision: AgentRevision, method: 'resources/list' | 'resources/templates/list' | 'prompts/list', cursor?: string): Promise<ListPage> {
  const params = cursor === undefined ? {} : { cursor };
  if (revision === '2026-07-28') return (client as unknown as { request(r: { method: string; params: object }): Promise<ListPage> }).request({ method, params });
  if (method === 'resources/list') return client.listResources(params);
  return method === 'prompts/list' ? client.listPrompts(params) : client.listResourceTemplates(params);
}

/** Every page of a list, following nextCursor. */
async function allPages<T>(list: (cursor?: string) => Promise<ListPage>, key: string): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await surfacingRpcErrors(() => list(cursor));
    pages.push(page[key] as T[]);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 10);
  return pages;
}

describe('resources, prompts and completions on the aggregated endpoint', () => {
  let h: Harness;
  let agentKey: string;
  let otherKey: string;
  let bareKey: string;
  let conf: ConformanceEverythingServer;
  const upstreams: Record<string, FixtureMcpServer> = {};
  const agents: Agent[] = [];

  const connect = async (revision: AgentRevision, key = agentKey) => {
    const agent = await connectAgent(`${h.url}/mcp`, { revision, headers: { authorization: `Bearer ${key}` } });
    agents.push(agent);
    return contentOf(agent);
  };

  beforeAll(async () => {
    h = await startHarness();
    upstreams.legacy = await startLegacyMcpServer({ notes: createNoteStore({ q3: 'quarterly numbers', todo: 'buy milk' }) });
    upstreams.modern = await startModernMcpServer({ legacy: 'reject', notes: createNoteStore({ plan: 'ship it' }) });
    upstreams.hidden = await startLegacyMcpServer({ notes: createNoteStore({ secret: 'not for this agent' }) });
    upstreams.bare = await startModernMcpServer({ legacy: 'reject', withContent: false });
    conf = await startConformanceEverythingServer();
    const ids: Record<string, string> = {};
    for (const [slug, url] of [['legacy', upstreams.legacy.url], ['modern', upstreams.modern.url], ['hidden', upstreams.hidden.url], ['bare', upstreams.bare.url], ['conf', conf.url]]) {
      ids[slug] = (await h.api.registerServer(slug, slug, url)).serverId;
    }
    agentKey = (await h.api.registerAgent('reader', [ids.legacy, ids.modern, ids.conf])).apiKey;
    otherKey = (await h.api.registerAgent('other reader', [ids.legacy, ids.modern, ids.conf])).apiKey;
    bareKey = (await h.api.registerAgent('tools only', [ids.bare])).apiKey;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
    await conf?.close();
  });

  describe.each(AGENTS)('agent on %s', (revision) => {
    it('is offered resources, prompts and completions: the union of its servers’ capabilities', async () => {
      const client = await connect(revision);
      expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {}, completions: {} });
    });

    it('lists every visible server’s resources, one upstream per page, never the server it may not use', async () => {
      const client = await connect(revision);
      const pages = await allPages<{ uri: string; name: string }>((cursor) => pageOf(client, revision, 'resources/list', cursor), 'resources');
      expect(pages).toHaveLength(3);
      const uris = pages.flat().map((r) => r.uri).sort();
      expect(uris).toEqual([
        'warden://conf/test://static-binary',
        'warden://conf/test://static-text',
        'warden://conf/test://watched-resource',
        `warden://legacy/${NOTES_INDEX_URI}`,
        `warden://modern/${NOTES_INDEX_URI}`,
      ]);
      // Each page holds one server's resources.
      for (const page of pages) expect(new Set(page.map((r) => r.uri.split('/')[2])).size).toBe(1);
      expect(upstreams.hidden.requests.withRpcMethod('resources/list')).toHaveLength(0);
      if (revision === '2026-07-28') {
        // The 2.x client's own walk over the same pages.
        expect((await surfacingRpcErrors(() => client.listResources())).resources.map((r) => r.uri).sort()).toEqual(uris);
      }
    });

    it('reads a resource by its namespaced URI, the contents named the same way', async () => {
      const client = await connect(revision);
      const legacy = await surfacingRpcErrors(() => client.readResource({ uri: `warden://legacy/${NOTES_INDEX_URI}` }));
      expect(legacy.contents).toEqual([expect.objectContaining({ uri: `warden://legacy/${NOTES_INDEX_URI}`, text: 'q3\ntodo' })]);
      const modern = await surfacingRpcErrors(() => client.readResource({ uri: `warden://modern/${NOTES_INDEX_URI}` }));
      expect(modern.contents).toEqual([expect.objectContaining({ uri: `warden://modern/${NOTES_INDEX_URI}`, text: 'plan' })]);
    });

    it('lists templates namespaced so that an expanded template reads through warden', async () => {
      const client = await connect(revision);
      const templates = (await allPages<{ uriTemplate: string }>((cursor) => pageOf(client, revision, 'resources/templates/list', cursor), 'resourceTemplates')).flat();
      expect(templates.map((t) => t.uriTemplate)).toEqual(['warden://conf/test://template/{id}/data']);
      const uri = templates[0].uriTemplate.replace('{id}', '42');
      const read = await surfacingRpcErrors(() => client.readResource({ uri }));
      expect(read.contents[0].uri).toBe('warden://conf/test://template/42/data');
      expect(JSON.parse(read.contents[0].text!)).toMatchObject({ id: '42', templateTest: true });
    });

    it('lists and gets prompts as <server>__<prompt>, the resources they embed namespaced', async () => {
      const client = await connect(revision);
      const names = (await allPages<{ name: string }>((cursor) => pageOf(client, revision, 'prompts/list', cursor), 'prompts')).flat().map((p) => p.name).sort();
      expect(names).toEqual(expect.arrayContaining([`legacy__${SUMMARISE_PROMPT}`, `modern__${SUMMARISE_PROMPT}`, 'conf__test_prompt_with_embedded_resource', 'conf__test_simple_prompt']));
      expect(names.some((n) => n.startsWith('hidden__'))).toBe(false);
      const summary = await surfacingRpcErrors(() => client.getPrompt({ name: `modern__${SUMMARISE_PROMPT}`, arguments: { id: 'plan' } }));
      expect(summary.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Summarise: ship it' } }]);
      const embedded = await surfacingRpcErrors(() => client.getPrompt({ name: 'conf__test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://static-text' } }));
      expect(embedded.messages[0].content).toMatchObject({ type: 'resource', resource: { uri: 'warden://conf/test://static-text' } });
    });

    it('completes a prompt argument and a template argument, the refs mapped back', async () => {
      const client = await connect(revision);
      const byPrompt = await surfacingRpcErrors(() => client.complete({ ref: { type: 'ref/prompt', name: 'conf__test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } }));
      expect(byPrompt.completion.values).toEqual(['paris', 'park', 'party']);
      const byTemplate = await surfacingRpcErrors(() =>
        client.complete({ ref: { type: 'ref/resource', uri: 'warden://conf/test://template/{id}/data' }, argument: { name: 'id', value: 'tes' } }),
      );
      expect(byTemplate.completion.values).toEqual(['test', 'testing']);
    });

    it('refuses a forged, altered or another agent’s cursor with -32602 EDGE.INVALID_CURSOR', async () => {
      const client = await connect(revision);
      const first = await surfacingRpcErrors(() => pageOf(client, revision, 'resources/list'));
      expect(first.nextCursor).toEqual(expect.any(String));
      const [body, mac] = first.nextCursor!.split('.');
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), s: 'srv-elsewhere' })).toString('base64url');
      for (const cursor of ['forged', `${forged}.${mac}`]) {
        await expect(surfacingRpcErrors(() => client.listResources({ cursor }))).rejects.toMatchObject({ code: -32602, data: { reason: 'EDGE.INVALID_CURSOR' } });
      }
      // A genuine cursor, presented by another agent of the organisation, or for another list.
      const other = await connect(revision, otherKey);
      await expect(surfacingRpcErrors(() => other.listResources({ cursor: first.nextCursor }))).rejects.toMatchObject({ code: -32602, data: { reason: 'EDGE.INVALID_CURSOR' } });
      await expect(surfacingRpcErrors(() => client.listPrompts({ cursor: first.nextCursor }))).rejects.toMatchObject({ code: -32602, data: { reason: 'EDGE.INVALID_CURSOR' } });
    });

    it('answers a resource or prompt of a server the agent may not use exactly as an unknown one, forwarding nothing', async () => {
      const client = await connect(revision);
      const refusal = async (call: () => Promise<unknown>) => {
        const error = await surfacingRpcErrors(call).then(() => undefined, (e: { code: number; data: { reason: string } }) => e);
        return { code: error?.code, reason: error?.data.reason };
      };
      const hiddenRead = await refusal(() => client.readResource({ uri: `warden://hidden/${NOTES_INDEX_URI}` }));
      expect(hiddenRead).toEqual({ code: -32602, reason: 'GATE.UNKNOWN_RESOURCE' });
      expect(await refusal(() => client.readResource({ uri: `warden://nosuch/${NOTES_INDEX_URI}` }))).toEqual(hiddenRead);
      expect(await refusal(() => client.readResource({ uri: NOTES_INDEX_URI }))).toEqual(hiddenRead);
      const hiddenPrompt = await refusal(() => client.getPrompt({ name: `hidden__${SUMMARISE_PROMPT}`, arguments: { id: 'secret' } }));
      expect(hiddenPrompt).toEqual({ code: -32602, reason: 'GATE.UNKNOWN_PROMPT' });
      expect(await refusal(() => client.getPrompt({ name: `nosuch__${SUMMARISE_PROMPT}`, arguments: { id: 'secret' } }))).toEqual(hiddenPrompt);
      expect(upstreams.hidden.requests.rpcMethods().filter((m) => m.startsWith('resources/') || m.startsWith('prompts/'))).toEqual([]);
    });
  });

  it('neither offers nor serves resources or prompts when no server of the agent offers them', async () => {
    const client = await connect('2025-11-25', bareKey);
    expect(client.getServerCapabilities()).toEqual({ tools: { listChanged: true } });
    for (const method of ['resources/list', 'prompts/list']) {
      const res = await rawPost(`${h.url}/mcp`, { jsonrpc: '2.0', id: 3, method, params: { _meta: modernMeta } }, { ...modernHeaders(method), authorization: `Bearer ${bareKey}` });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ id: 3, error: { code: -32601, data: { reason: 'EDGE.METHOD_NOT_FOUND' } } });
    }
    expect(upstreams.bare.requests.rpcMethods().filter((m) => m.startsWith('resources/') || m.startsWith('prompts/'))).toEqual([]);
  });

  it.each(AGENTS)('pages through an upstream that pages itself, relaying its own cursors unchanged (%s agent)', async (revision) => {
    const paged: PagedResourcesServer = await startPagedResourcesServer(5, 2);
    try {
      const server = await h.api.registerServer('paged', `paged-${revision.slice(0, 4)}`, paged.url);
      const { apiKey } = await h.api.registerAgent(`paged reader ${revision}`, [server.serverId]);
      const client = await connect(revision, apiKey);
      const pages = await allPages<{ uri: string }>((cursor) => pageOf(client, revision, 'resources/list', cursor), 'resources');
      const slug = server.slug;
      expect(pages.map((p) => p.map((r) => r.uri))).toEqual([
        [`warden://${slug}/page://0`, `warden://${slug}/page://1`],
        [`warden://${slug}/page://2`, `warden://${slug}/page://3`],
        [`warden://${slug}/page://4`],
      ]);
      expect(paged.cursorsReceived).toEqual([undefined, 'after-2', 'after-4']);
      const read = await surfacingRpcErrors(() => client.readResource({ uri: `warden://${slug}/page://3` }));
      expect(read.contents).toEqual([expect.objectContaining({ uri: `warden://${slug}/page://3`, text: 'content of page://3' })]);
    } finally {
      await paged.close();
    }
  });

  it('records reads and prompts made on /mcp with endpoint aggregate and the upstream’s own names', async () => {
    await h.settled();
    const relayed = eventsOfType(h.dataDir, 'McpRequestRelayed').map((e) => e.data as Record<string, unknown>);
    const reads = relayed.filter((d) => d.method === 'resources/read' && d.outcome === 'ok');
    expect(reads.map((d) => d.target)).toEqual(expect.arrayContaining([NOTES_INDEX_URI, 'test://template/42/data']));
    expect(reads.every((d) => d.endpoint === 'aggregate')).toBe(true);
    expect(relayed.filter((d) => d.method === 'prompts/get').map((d) => d.target)).toEqual(expect.arrayContaining([SUMMARISE_PROMPT, 'test_prompt_with_embedded_resource']));
  });

  describe('with a policy that refuses one read', () => {
    beforeAll(async () => {
      const policy = {
        defaults: { read: 'allow', write: 'allow', destructive: 'deny' },
        rules: [{ id: 'no-index-reads', methods: ['resources/read'], when: `mcp.resource.uri == "${NOTES_INDEX_URI}"`, decision: 'deny' }],
      };
      expect((await h.api.request('PUT', '/v1/policies?baseVersion=0', policy)).status).toBe(200);
    });

    it.each(AGENTS)('refuses it on /mcp as on /mcp/<slug> (%s agent), records the refusal, forwards nothing', async (revision) => {
      const client = await connect(revision);
      const before = upstreams.legacy.requests.withRpcMethod('resources/read').length;
      await expect(surfacingRpcErrors(() => client.readResource({ uri: `warden://legacy/${NOTES_INDEX_URI}` }))).rejects.toMatchObject({
        data: expect.objectContaining({ reason: 'POLICY.RULE_MATCHED', rules: ['no-index-reads'] }),
      });
      expect(upstreams.legacy.requests.withRpcMethod('resources/read')).toHaveLength(before);
      // Other resources still read.
      const other = await surfacingRpcErrors(() => client.readResource({ uri: 'warden://conf/test://static-text' }));
      expect(other.contents[0]).toMatchObject({ uri: 'warden://conf/test://static-text' });
      await h.settled();
      const refused = eventsOfType(h.dataDir, 'McpRequestRelayed')
        .map((e) => e.data as Record<string, unknown>)
        .filter((d) => d.method === 'resources/read' && d.decision === 'deny' && d.protocolVersion === revision);
      expect(refused).toEqual([expect.objectContaining({ endpoint: 'aggregate', target: NOTES_INDEX_URI, rules: ['no-index-reads'] })]);
    });
  });
});

import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectAgent, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { SessionChannel } from '../../src/gateway/edge/session-channel';
import { startHarness, type Harness } from './support/gateway-harness';
import { until } from './support/until';

/**
 * A 2025 agent's session stream (its standalone GET) carries notifications/tools/list_changed
 * when an approval changes what it may list: on the server's endpoint, and on the aggregate for
 * agents allowed that server. Agents that cannot see the server hear nothing.
 */
describe('tools/list_changed on 2025 session streams', () => {
  let h: Harness;
  let notes: FixtureMcpServer;
  let archive: FixtureMcpServer;
  let notesId: string;
  let archiveId: string;
  const agents: Agent[] = [];

  const listening = async (path: string, key: string) => {
    const agent = await connectAgent(`${h.url}${path}`, { revision: '2025-11-25', headers: { authorization: `Bearer ${key}` } });
    agents.push(agent);
    let heard = 0;
    if (agent.sdk !== 'v1') throw new Error('a 2025 agent is an SDK 1.x client');
    agent.raw.setNotificationHandler(ToolListChangedNotificationSchema, async () => void (heard += 1));
    return { agent, heard: () => heard };
  };
  beforeAll(async () => {
    h = await startHarness();
    notes = await startLegacyMcpServer();
    archive = await startLegacyMcpServer();
    notesId = (await h.api.registerServer('Notes', 'notes', notes.url)).serverId;
    archiveId = (await h.api.registerServer('Archive', 'archive', archive.url)).serverId;
    await h.api.approve(notesId, 'echo', 'read');
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await Promise.all([notes.close(), archive.close()]);
  });

  it('tells the agents that can see the server, and then lists the newly approved tool', async () => {
    const anyKey = (await h.api.registerAgent('any')).apiKey;
    const archiveOnlyKey = (await h.api.registerAgent('archive-only', [archiveId])).apiKey;
    const onServer = await listening('/mcp/notes', anyKey);
    const onAggregate = await listening('/mcp', anyKey);
    const elsewhere = await listening('/mcp/archive', anyKey);
    const notAllowed = await listening('/mcp', archiveOnlyKey);
    expect(onServer.agent.raw.getServerCapabilities()?.tools).toEqual({ listChanged: true });

    // The SDK opens its GET stream after notifications/initialized, in the background: wait for all four.
    const channel = h.gateway.app.get(SessionChannel);
    await until(() => channel.openStreams() === 4, 10_000);
    expect(channel.openStreams()).toBe(4);
    await h.api.approve(notesId, 'read_note', 'read');
    await until(() => onServer.heard() > 0 && onAggregate.heard() > 0);
    expect(onServer.heard()).toBe(1);
    expect(onAggregate.heard()).toBe(1);
    expect((await onServer.agent.listTools()).map((t) => t.name).sort()).toEqual(['echo', 'read_note']);
    expect((await onAggregate.agent.listTools()).map((t) => t.name).sort()).toEqual(['notes__echo', 'notes__read_note']);
    await new Promise((r) => setTimeout(r, 100));
    expect(elsewhere.heard()).toBe(0);
    expect(notAllowed.heard()).toBe(0);
  });

  it('answers GET without a session with 405, and with an unknown session with 404', async () => {
    const key = (await h.api.registerAgent('raw')).apiKey;
    const get = (headers: Record<string, string>) =>
      fetch(`${h.url}/mcp/notes`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${key}`, ...headers } });
    expect((await get({})).status).toBe(405);
    const unknown = await get({ 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe('EDGE.SESSION_UNKNOWN');
  });
});

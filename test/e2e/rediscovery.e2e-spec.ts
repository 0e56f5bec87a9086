import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { ToolListWatcher } from '../../src/registry/tool-list-watcher';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { until } from './support/until';

/**
 * An approved tool that changes is not the tool that was approved ("rug pull"). When the
 * upstream says its tool list changed (tools/list_changed on warden's pooled session), warden
 * discovers again: the changed tool goes back to review and is not callable until re-approved.
 * An admin can ask for the same rediscovery.
 */
describe('rediscovery: a changed tool goes back to review', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let serverId: string;
  let agent: Agent;

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer();
    serverId = (await h.api.registerServer('Notes', 'notes', upstream.url)).serverId;
    await h.api.approve(serverId, 'echo', 'read');
    await h.api.approve(serverId, 'read_note', 'read');
    const agentKey = (await h.api.registerAgent('caller')).apiKey;
    agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
  });

  afterAll(async () => {
    await agent.close();
    await h.cleanup();
    await upstream.close();
  });

  it('puts the changed tool back in review when the upstream announces the change, and keeps the others callable', async () => {
    expect(JSON.parse(textOf(await agent.callTool('echo', { before: true })))).toEqual({ before: true }); // the pooled session is open
    upstream.setToolDescription('echo', 'Returns its arguments, and quietly mails them elsewhere.');
    await until(() => eventsOfType(h.dataDir, 'ToolDefinitionChanged').length > 0);
    await h.gateway.app.get(ToolListWatcher).idle();

    const changed = eventsOfType(h.dataDir, 'ToolDefinitionChanged');
    expect(changed).toHaveLength(1);
    expect(changed[0].data).toMatchObject({ tool: 'echo', definition: { description: 'Returns its arguments, and quietly mails them elsewhere.' } });
    expect(changed[0].data.previousDigest).not.toBe(changed[0].data.definitionDigest);
    expect(changed[0].actor).toEqual({ kind: 'system', id: 'upstream-tools-list-changed' });

    const callsBefore = upstream.requests.withRpcMethod('tools/call').length;
    await expect(agent.callTool('echo', { after: true })).rejects.toMatchObject({ data: { reason: 'GATE.TOOL_IN_REVIEW' } });
    expect(upstream.requests.withRpcMethod('tools/call')).toHaveLength(callsBefore);
    expect((await agent.listTools()).map((t) => t.name)).toEqual(['read_note']);
  });

  it('serves the tool again, with its new definition, once an admin re-approves it', async () => {
    await h.api.approve(serverId, 'echo', 'read');
    const listed = await agent.listTools();
    expect(listed.find((t) => t.name === 'echo')?.description).toBe('Returns its arguments, and quietly mails them elsewhere.');
    expect(JSON.parse(textOf(await agent.callTool('echo', { again: true })))).toEqual({ again: true });
  });

  it('rediscovers on an admin’s request, recording nothing when nothing changed', async () => {
    const before = eventsOfType(h.dataDir, 'ToolDefinitionChanged').length + eventsOfType(h.dataDir, 'ToolDiscovered').length;
    const res = await h.api.request('POST', `/v1/servers/${serverId}/rediscover`, {});
    expect(res.status).toBe(200);
    expect(res.body.tools.find((t: { name: string }) => t.name === 'echo')).toMatchObject({ state: 'approved' });
    expect(eventsOfType(h.dataDir, 'ToolDefinitionChanged').length + eventsOfType(h.dataDir, 'ToolDiscovered').length).toBe(before);
    expect((await h.api.request('POST', '/v1/servers/no-such-server/rediscover', {})).status).toBe(404);
  });
});

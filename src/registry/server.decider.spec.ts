import type { ServerCommand } from './server.decider';
import type { RegistryEvent } from './registry.events';
import { serverDecider as decider } from './server.decider';

const given = (events: RegistryEvent[]) => events.reduce(decider.evolve, decider.initialState());
const registered: RegistryEvent[] = [
  { type: 'ServerRegistered', data: { serverId: 's1', orgId: 'o1', slug: 'notes', name: 'Notes', url: 'http://127.0.0.1:1/mcp', protocolVersion: '2025-11-25' } },
  { type: 'ToolDiscovered', data: { serverId: 's1', tool: 'read_note', definition: { name: 'read_note' }, definitionDigest: 'd' } },
];

describe('server decider', () => {
  it('registers a server with every discovered tool in review', () => {
    const events = decider.decide(
      { type: 'RegisterServer', serverId: 's1', orgId: 'o1', slug: 'notes', name: 'Notes', url: 'u', protocolVersion: null, tools: [{ definition: { name: 'a' }, definitionDigest: 'x' }] },
      given([]),
    );
    expect(events.map((e) => e.type)).toEqual(['ServerRegistered', 'ToolDiscovered']);
    expect(given(events).tools.get('a')).toEqual({ approved: false, definitionDigest: 'x' });
  });

  it('refuses to approve an unclassified tool', () => {
    expect(() => decider.decide({ type: 'ApproveTool', tool: 'read_note' }, given(registered))).toThrow(
      expect.objectContaining({ code: 'REGISTRY.TOOL_UNCLASSIFIED' }),
    );
  });

  it('approves with a class in one step, and approving again changes nothing', () => {
    const events = decider.decide({ type: 'ApproveTool', tool: 'read_note', riskClass: 'read' }, given(registered));
    expect(events.map((e) => e.type)).toEqual(['ToolClassified', 'ToolApproved']);
    expect(decider.decide({ type: 'ApproveTool', tool: 'read_note' }, given([...registered, ...events]))).toEqual([]);
  });

  it('refuses unknown tools', () => {
    expect(() => decider.decide({ type: 'ClassifyTool', tool: 'nope', riskClass: 'write' }, given(registered))).toThrow(
      expect.objectContaining({ code: 'REGISTRY.TOOL_UNKNOWN' }),
    );
  });

  describe('rediscovery', () => {
    const approved: RegistryEvent[] = [
      ...registered,
      { type: 'ToolDiscovered', data: { serverId: 's1', tool: 'echo', definition: { name: 'echo' }, definitionDigest: 'e' } },
      { type: 'ToolClassified', data: { serverId: 's1', tool: 'read_note', riskClass: 'read' } },
      { type: 'ToolApproved', data: { serverId: 's1', tool: 'read_note', riskClass: 'read' } },
    ];

    it('records nothing when the upstream still offers the same tools', () => {
      const same = [{ definition: { name: 'read_note' }, definitionDigest: 'd' }, { definition: { name: 'echo' }, definitionDigest: 'e' }];
      expect(decider.decide({ type: 'RediscoverTools', tools: same }, given(approved))).toEqual([]);
    });

    it('puts a changed tool back in review (its class kept as a hint), discovers new ones, withdraws missing ones', () => {
      const tools = [
        { definition: { name: 'read_note', description: 'now also uploads your notes' }, definitionDigest: 'd2' },
        { definition: { name: 'fresh' }, definitionDigest: 'f' },
      ];
      const events = decider.decide({ type: 'RediscoverTools', tools }, given(approved));
      expect(events).toEqual([
        { type: 'ToolDefinitionChanged', data: { serverId: 's1', tool: 'read_note', definition: tools[0].definition, definitionDigest: 'd2', previousDigest: 'd' } },
        { type: 'ToolDiscovered', data: { serverId: 's1', tool: 'fresh', definition: { name: 'fresh' }, definitionDigest: 'f' } },
        { type: 'ToolWithdrawn', data: { serverId: 's1', tool: 'echo' } },
      ]);
      const after = given([...approved, ...events]);
      expect(after.tools.get('read_note')).toEqual({ riskClass: 'read', approved: false, definitionDigest: 'd2' });
      expect(after.tools.has('echo')).toBe(false);
      expect(() => decider.decide({ type: 'ApproveTool', tool: 'echo' }, after)).toThrow(expect.objectContaining({ code: 'REGISTRY.TOOL_UNKNOWN' }));
      // Re-approving the changed tool is an explicit step.
      expect(decider.decide({ type: 'ApproveTool', tool: 'read_note' }, after).map((e) => e.type)).toEqual(['ToolApproved']);
    });

    it('refuses to rediscover a server that does not exist', () => {
      expect(() => decider.decide({ type: 'RediscoverTools', tools: [] }, given([]))).toThrow(expect.objectContaining({ code: 'REGISTRY.SERVER_UNKNOWN' }));
    });
  });

  describe('lifecycle', () => {
    it('updates only what changed; a new URL brings its tool changes in the same decision', () => {
      const tools = [{ definition: { name: 'read_note', description: 'elsewhere' }, definitionDigest: 'd2' }];
      expect(decider.decide({ type: 'UpdateServer', expectedRevision: 1, name: 'Notes', url: 'http://127.0.0.1:2/mcp', protocolVersion: '2025-06-18', tools }, given(registered))).toEqual([
        { type: 'ServerUpdated', data: { serverId: 's1', url: 'http://127.0.0.1:2/mcp', protocolVersion: '2025-06-18' } },
        { type: 'ToolDefinitionChanged', data: { serverId: 's1', tool: 'read_note', definition: tools[0].definition, definitionDigest: 'd2', previousDigest: 'd' } },
      ]);
      expect(decider.decide({ type: 'UpdateServer', expectedRevision: 1, name: 'Notes' }, given(registered))).toEqual([]);
    });

    it('refuses a stale revision with CONFLICT.STALE_REVISION', () => {
      expect(() => decider.decide({ type: 'UpdateServer', expectedRevision: 0, name: 'Other' }, given(registered))).toThrow(
        expect.objectContaining({ code: 'CONFLICT.STALE_REVISION', details: { expectedRevision: 0, currentRevision: 1 } }),
      );
    });

    it('disables and enables idempotently, and removal is final (409 SERVER.REMOVED)', () => {
      const disabled: RegistryEvent = { type: 'ServerDisabled', data: { serverId: 's1' } };
      expect(decider.decide({ type: 'DisableServer' }, given(registered))).toEqual([disabled]);
      expect(decider.decide({ type: 'DisableServer' }, given([...registered, disabled]))).toEqual([]);
      expect(decider.decide({ type: 'EnableServer' }, given([...registered, disabled]))).toEqual([{ type: 'ServerEnabled', data: { serverId: 's1' } }]);
      expect(decider.decide({ type: 'EnableServer' }, given(registered))).toEqual([]);
      const removed = [...registered, disabled, { type: 'ServerRemoved', data: { serverId: 's1' } } as RegistryEvent];
      expect(given(removed).status).toBe('removed');
      expect(decider.decide({ type: 'RemoveServer' }, given(removed))).toEqual([]);
      for (const command of [{ type: 'EnableServer' }, { type: 'DisableServer' }, { type: 'UpdateServer', name: 'x' }, { type: 'ApproveTool', tool: 'read_note', riskClass: 'read' }, { type: 'RediscoverTools', tools: [] }] as ServerCommand[]) {
        expect(() => decider.decide(command, given(removed))).toThrow(expect.objectContaining({ code: 'SERVER.REMOVED', kind: 'conflict' }));
      }
    });
  });

  it('records a health status only when it changes, and a registration while down as unreachable', () => {
    const state = given(registered);
    expect(decider.decide({ type: 'RecordHealth', status: 'healthy', reason: 'HEALTH.CHECK_PASSED' }, state)).toEqual([]);
    const down = decider.decide({ type: 'RecordHealth', status: 'unreachable', reason: 'UPSTREAM.TIMEOUT' }, state);
    expect(down).toEqual([{ type: 'ServerHealthChanged', data: { serverId: 's1', status: 'unreachable', reason: 'UPSTREAM.TIMEOUT' } }]);
    expect(decider.decide({ type: 'RecordHealth', status: 'unreachable', reason: 'UPSTREAM.UNAVAILABLE' }, given([...registered, ...down]))).toEqual([]);
    const whileDown = decider.decide(
      { type: 'RegisterServer', serverId: 's2', orgId: 'o1', slug: 'later', name: 'Later', url: 'u', protocolVersion: null, tools: [], health: { status: 'unreachable', reason: 'UPSTREAM.UNAVAILABLE' } },
      given([]),
    );
    expect(whileDown.map((e) => e.type)).toEqual(['ServerRegistered', 'ServerHealthChanged']);
    expect(given(whileDown).health).toBe('unreachable');
    expect(() => decider.decide({ type: 'RecordHealth', status: 'healthy', reason: 'x' }, given([]))).toThrow(expect.objectContaining({ code: 'REGISTRY.SERVER_UNKNOWN' }));
  });
});

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
    expect(given(events).tools.get('a')).toEqual({ approved: false });
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
});

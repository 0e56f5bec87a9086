import type { McpRequestContext } from './mcp-request-context';
import { upstreamOptionsFor } from './upstream-request-options';

describe('upstreamOptionsFor: requests an upstream makes of the agent', () => {
  const asked: string[] = [];
  const ctx: McpRequestContext = {
    agent: { agentId: 'a1', orgId: 'o1', name: 'bot', hint: '#0', servers: null, labels: {}, status: 'active', revision: 0, registeredAt: '', updatedAt: '' },
    endpoint: 'notes',
    protocolVersion: '2025-11-25',
    requestId: 1,
    stateless: false,
    sessionId: 's1',
    clientCapabilities: { sampling: {} },
    ask: async (request) => {
      asked.push(request.method);
      return { result: { model: 'm', role: 'assistant', content: { type: 'text', text: 'hi' } } };
    },
  };
  const sampling = (text: string) => ({ method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text } }], maxTokens: 5 } });

  it('relays a well-formed one to the agent', async () => {
    const answer = await upstreamOptionsFor(ctx, {}).onServerRequest!(sampling('hello'));
    expect(answer).toMatchObject({ result: { model: 'm' } });
    expect(asked).toEqual(['sampling/createMessage']);
  });

  it('answers one holding a lone surrogate with an error naming where, and does not relay it', async () => {
    asked.length = 0;
    const answer = await upstreamOptionsFor(ctx, {}).onServerRequest!(sampling('bad \uD800'));
    expect(answer).toEqual({ error: { code: -32602, message: expect.stringContaining('params.messages[0].content.text') } });
    expect(asked).toEqual([]);
  });
});

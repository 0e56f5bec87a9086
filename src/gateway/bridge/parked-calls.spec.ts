import { ParkedCall, ParkedCalls } from './parked-calls';

describe('ParkedCall', () => {
  const sampling = { method: 'sampling/createMessage', params: { maxTokens: 5 } };

  it('yields the upstream’s asks as inputRequests, routes the answers back, then yields the result', async () => {
    const call = new ParkedCall('agent-1', 'tools/call', 'ask');
    let finish!: (value: Record<string, unknown>) => void;
    call.attach(new Promise((resolve) => (finish = resolve)));
    const asked = call.ask(sampling);
    expect(await call.next()).toEqual({ kind: 'input', inputRequests: { r1: sampling } });
    call.answer({ r1: { model: 'm', role: 'assistant', content: { type: 'text', text: 'hi' } } });
    await expect(asked).resolves.toEqual({ result: { model: 'm', role: 'assistant', content: { type: 'text', text: 'hi' } } });
    finish({ content: [] });
    expect(await call.next()).toEqual({ kind: 'result', result: { content: [] } });
  });

  it('answers an ask the retry left out with an error, and refuses every open ask when abandoned', async () => {
    const call = new ParkedCall('agent-1', 'tools/call', 'ask');
    call.attach(new Promise(() => undefined));
    const first = call.ask(sampling);
    await call.next();
    call.answer({ unrelated: {} });
    await expect(first).resolves.toMatchObject({ error: { code: -32602 } });
    const second = call.ask(sampling);
    call.abandon();
    await expect(second).resolves.toMatchObject({ error: { code: -32001 } });
  });

  it('passes the upstream’s failure on', async () => {
    const call = new ParkedCall('agent-1', 'tools/call', 'ask');
    call.attach(Promise.reject(new Error('upstream gone')));
    await expect(call.next()).rejects.toThrow('upstream gone');
  });
});

describe('ParkedCalls', () => {
  it('hands a parked call only to the agent and request it belongs to, once', () => {
    const calls = new ParkedCalls();
    const call = new ParkedCall('agent-1', 'tools/call', 'ask');
    calls.keep(call, 60_000);
    expect(ParkedCalls.isToken(call.token)).toBe(true);
    expect(calls.take(call.token, 'agent-2', 'tools/call', 'ask')).toBeUndefined();
    expect(calls.take(call.token, 'agent-1', 'tools/call', 'other_tool')).toBeUndefined();
    expect(calls.take(call.token, 'agent-1', 'tools/call', 'ask')).toBe(call);
    expect(calls.take(call.token, 'agent-1', 'tools/call', 'ask')).toBeUndefined();
  });

  it('forgets and abandons a call whose agent does not come back', async () => {
    jest.useFakeTimers();
    try {
      const calls = new ParkedCalls();
      const call = new ParkedCall('agent-1', 'tools/call', 'ask');
      const ask = call.ask({ method: 'roots/list' });
      calls.keep(call, 1000);
      jest.advanceTimersByTime(1001);
      expect(calls.size).toBe(0);
      await expect(ask).resolves.toMatchObject({ error: { code: -32001 } });
    } finally {
      jest.useRealTimers();
    }
  });
});

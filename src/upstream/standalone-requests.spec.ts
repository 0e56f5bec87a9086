import { StandaloneRequests } from './standalone-requests';

describe('StandaloneRequests', () => {
  const asked = { method: 'sampling/createMessage', params: { maxTokens: 1 } };

  it('answers "method not found" when no request of the client is in flight', async () => {
    const answer = await new StandaloneRequests().route(asked);
    expect(answer).toEqual({ error: { code: -32601, message: expect.stringContaining('no request of the client is in flight') } });
  });

  it('routes to the newest request still in flight, and to the one before once it ends', async () => {
    const requests = new StandaloneRequests();
    const seen: string[] = [];
    const relay = (name: string) => async () => (seen.push(name), { result: { by: name } });
    const endFirst = requests.track(relay('first'));
    const endSecond = requests.track(relay('second'));
    expect(await requests.route(asked)).toEqual({ result: { by: 'second' } });
    endSecond();
    expect(await requests.route(asked)).toEqual({ result: { by: 'first' } });
    endFirst();
    expect(await requests.route(asked)).toMatchObject({ error: { code: -32601 } });
    expect(seen).toEqual(['second', 'first']);
  });

  it('answers an internal error, not the relay’s exception, when relaying fails', async () => {
    const requests = new StandaloneRequests();
    requests.track(() => Promise.reject(new Error('secret detail')));
    const answer = await requests.route(asked);
    expect(answer).toEqual({ error: { code: -32603, message: 'sampling/createMessage could not be relayed' } });
  });
});

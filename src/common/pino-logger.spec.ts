import { Writable } from 'node:stream';
import { createLogger, maskSecrets, PinoNestLogger } from './pino-logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: new PinoNestLogger(createLogger('info', stream)) };
}

describe('PinoNestLogger', () => {
  const agentKey = 'wdn_agent_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';

  it('masks warden keys and bearer tokens inside messages', () => {
    expect(maskSecrets(`key ${agentKey} and Bearer abc.def.ghi`)).toBe('key wdn_agent_[redacted] and Bearer [redacted]');
    const { lines, logger } = capture();
    logger.error(`request failed for ${agentKey}`, 'Edge');
    expect(lines.join('')).not.toContain(agentKey.slice(10));
    expect(JSON.parse(lines[0])).toMatchObject({ level: 50, context: 'Edge', msg: 'request failed for wdn_agent_[redacted]' });
  });

  it('censors credential fields of structured entries', () => {
    const { lines, logger } = capture();
    logger.log({ headers: { authorization: `Bearer ${agentKey}` }, apiKey: agentKey, agentId: 'a1' }, 'Api');
    const entry = JSON.parse(lines[0]);
    expect(entry.headers.authorization).toBe('[redacted]');
    expect(entry.apiKey).toBe('[redacted]');
    expect(entry.agentId).toBe('a1');
  });
});

import { acceptsJsonAndEventStream } from './accept-header';

describe('acceptsJsonAndEventStream', () => {
  it.each([
    'application/json, text/event-stream',
    'text/event-stream, application/json;q=0.9',
    'APPLICATION/JSON,TEXT/EVENT-STREAM',
    'text/html, application/json ; q=0.5, text/event-stream',
  ])('accepts %p', (accept) => {
    expect(acceptsJsonAndEventStream(accept)).toBe(true);
  });

  it.each([undefined, '', 'application/json', 'text/event-stream', 'text/html, application/xml', 'application/json, text/event-stream;q=0', '*/*', 'application/*, text/*', 'application/json, */*'])(
    'refuses %p',
    (accept) => {
      expect(acceptsJsonAndEventStream(accept)).toBe(false);
    },
  );
});

import { HttpResponse } from 'msw';

/** One Server-Sent Event as Turnout writes it. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A text/event-stream answer whose parts are sent one at a time: the first at once, each next
 * one when the test calls `next()`, and the stream closes after the last. So a test can look at
 * the page between two events.
 */
export function controlledEventStream(parts: string[]) {
  const encoder = new TextEncoder();
  let send: () => void = () => undefined;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      send = () => {
        const part = parts[sent];
        sent += 1;
        if (part !== undefined) controller.enqueue(encoder.encode(part));
        if (sent >= parts.length) controller.close();
      };
      send();
    },
  });
  return {
    response: () =>
      new HttpResponse(body, { headers: { 'Content-Type': 'text/event-stream' } }),
    next: () => send(),
  };
}

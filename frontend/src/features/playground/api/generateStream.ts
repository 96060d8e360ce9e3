import { useMutation } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { generate } from '../../../client/sdk.gen';
import type { GenerateRequest, GenerateResponse } from '../../../client/types.gen';
import { ApiError, unwrap } from '../../../lib/apiError';
import { readServerEvents } from '../../../lib/sse';

/** The `done` event: everything a JSON answer has but the text, which came as deltas. */
export type GenerateDone = Omit<GenerateResponse, 'content'>;

export type PlaygroundRequest = Pick<GenerateRequest, 'prompt' | 'provider_id' | 'model'>;

/**
 * POST /api/v1/llm/generate with `stream: true`, handing each `delta`'s text to `onDelta`.
 * A refusal before any text is an ordinary error answer; one after it is an `error` event.
 * Both are thrown as ApiError, with the server's message in the console's language.
 */
export async function streamGenerate(
  request: PlaygroundRequest,
  onDelta: (text: string) => void,
  signal: AbortSignal,
): Promise<GenerateDone> {
  const body = (await unwrap(
    generate({ body: { ...request, stream: true }, parseAs: 'stream', signal }),
  )) as unknown as ReadableStream<Uint8Array>;
  for await (const event of readServerEvents(body)) {
    const data: unknown = JSON.parse(event.data);
    if (event.event === 'delta') onDelta((data as { text: string }).text);
    if (event.event === 'error') throw new ApiError(200, data);
    if (event.event === 'done') return data as GenerateDone;
  }
  throw new ApiError(200, null); // the stream ended without saying how
}

/** The user stopped the generation; the text so far stays. */
export class GenerationStopped extends Error {
  constructor() {
    super('stopped');
    this.name = 'GenerationStopped';
  }
}

/** One streamed generation at a time: the text so far, the final figures or the error. */
export function useGenerateStream() {
  const [text, setText] = useState('');
  const controller = useRef<AbortController | null>(null);
  const mutation = useMutation<GenerateDone, Error, PlaygroundRequest>({
    mutationFn: async (request) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      setText('');
      try {
        return await streamGenerate(request, (delta) => setText((sofar) => sofar + delta), current.signal);
      } catch (error) {
        throw current.signal.aborted ? new GenerationStopped() : error;
      }
    },
  });
  const stop = () => controller.current?.abort();
  return { ...mutation, text, stop };
}

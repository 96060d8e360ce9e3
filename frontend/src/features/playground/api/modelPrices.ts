import type { ModelEntryPublic } from '../../../client/types.gen';

/** What the gateway charges for `usage` with these prices (its PriceBook does the same sum). */
export function costOf(
  entry: Pick<ModelEntryPublic, 'input_price_per_1k' | 'output_price_per_1k'>,
  usage: { prompt_tokens: number; completion_tokens?: number },
): number {
  const input = entry.input_price_per_1k ?? 0;
  const output = entry.output_price_per_1k ?? 0;
  return (usage.prompt_tokens / 1000) * input + ((usage.completion_tokens ?? 0) / 1000) * output;
}

import { useEffect, useSyncExternalStore } from 'react';
import type { ProviderHealthPublic } from '../../../client/types.gen';
import { useHealth } from '../../../api/health';

/** One reading of a provider's health, as the console polled it. */
export interface HealthSample {
  at: number; // epoch milliseconds of the poll
  status: ProviderHealthPublic['status'];
  latencyMs: number | null;
}

// Turnout reports the latest check only; the console keeps what it has seen since it opened.
const MAX_SAMPLES = 60;
const samples = new Map<string, HealthSample[]>();
let version = 0;
const listeners = new Set<() => void>();

export function recordHealth(at: number, providers: ProviderHealthPublic[]): void {
  for (const provider of providers) {
    const seen = samples.get(provider.provider_id) ?? [];
    if (seen.at(-1)?.at === at) continue;
    seen.push({ at, status: provider.status, latencyMs: provider.latency_ms ?? null });
    samples.set(provider.provider_id, seen.slice(-MAX_SAMPLES));
  }
  version += 1;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The live health of every provider and its readings since the console opened. */
export function useHealthHistory() {
  const health = useHealth();
  const { data, dataUpdatedAt } = health;
  useEffect(() => {
    if (data) recordHealth(dataUpdatedAt, data);
  }, [data, dataUpdatedAt]);
  useSyncExternalStore(subscribe, () => version);
  return { ...health, history: samples };
}

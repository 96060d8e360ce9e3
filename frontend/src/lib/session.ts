import { useSyncExternalStore } from 'react';
import type { Role } from '../client/types.gen';

/** Who is signed in: the session token from POST /api/v1/auth/login and what it allows. */
export interface Session {
  token: string;
  username: string;
  role: Role;
  expiresAt: number; // epoch milliseconds
}

/** Why the last session ended, so the login page can say so. */
export type EndReason = 'logout' | 'expired' | 'forbidden';

// sessionStorage: the token lives as long as the tab (a reload keeps it, a new window asks again).
const STORAGE_KEY = 'turnout.session';
const ROLE_RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2 };

let current: Session | null = readStored();
let lastEndReason: EndReason | null = null;
const listeners = new Set<() => void>();

function readStored(): Session | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const stored = JSON.parse(raw) as Session;
    return stored.expiresAt > Date.now() ? stored : null;
  } catch {
    return null;
  }
}

function notify(): void {
  for (const listener of listeners) listener();
}

export function currentSession(): Session | null {
  if (current && current.expiresAt <= Date.now()) {
    endSession('expired');
  }
  return current;
}

export function startSession(session: Session): void {
  current = session;
  lastEndReason = null;
  window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  notify();
}

export function endSession(reason: EndReason): void {
  if (current === null) return;
  current = null;
  lastEndReason = reason;
  window.sessionStorage.removeItem(STORAGE_KEY);
  notify();
}

/** The reason the previous session ended, or null when it was never started or was resumed. */
export function endReason(): EndReason | null {
  return lastEndReason;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, () => current);
}

/** Whether `role` may do what `needed` may (admin ⊃ member ⊃ viewer). */
export function hasRole(role: Role, needed: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed];
}

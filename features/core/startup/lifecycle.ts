// Process-wide lifecycle state, on globalThis: with our own server, the feature code lives in two bundles
// in one process (the server's and Next's), and both must see the same answer.

interface Lifecycle {
  /** Set by our own server (`npm start`) before Next loads: it owns the socket, the signals and shutdown. */
  ownServer: boolean;
  /** Shutting down: readiness answers 503, every response closes its connection. */
  draining: boolean;
}

const KEY = Symbol.for('stylipp.lifecycle');
const store = globalThis as typeof globalThis & { [KEY]?: Lifecycle };
const state = (): Lifecycle => {
  store[KEY] ??= { ownServer: false, draining: false };
  return store[KEY];
};

export const isOwnServer = (): boolean => state().ownServer;
export const markOwnServer = (): void => {
  state().ownServer = true;
};
export const isDraining = (): boolean => state().draining;
export const startDraining = (): void => {
  state().draining = true;
};

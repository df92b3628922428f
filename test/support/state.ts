import { encodeState } from '../../src/snapshot/codec.js';
import type { State } from '../../src/statemachine/state.js';

/**
 * A state as one comparable string (its snapshot encoding): two states are equal when their
 * fingerprints are. Tests of the pure core use it so that the core never imports the snapshot
 * folder, which depends on the core.
 */
export function stateFingerprint(state: State): string {
  return encodeState(state);
}

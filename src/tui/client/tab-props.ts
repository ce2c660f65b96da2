/** What every main-screen tab is given. */
import type { ClientActions, ClientSnapshot } from '../client-session.js';
import type { KeySlot } from './keys.js';

/** Every tab gets the snapshot, the actions, its size, whether it is shown, and its key slot. */
export interface TabProps {
  snapshot: ClientSnapshot;
  actions: ClientActions;
  width: number;
  height: number;
  active: boolean;
  keys: KeySlot;
}

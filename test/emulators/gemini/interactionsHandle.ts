// The test's handle on the Interactions route (emulator.interactions):
// scripting, inspection of what Google would have stored, and the controls
// for what Google does not document (retention, the unknown-id status, how a
// safety stop looks).

import { viewOf, type InteractionsState } from './interactionsStore.js';
import type { InteractionsEmulator } from './interactionsTypes.js';

export function interactionsHandle(state: InteractionsState): InteractionsEmulator {
  return {
    requests: state.requests,
    enqueue: (...behaviours) => {
      state.queue.push(...behaviours);
    },
    stored: (id) => {
      const interaction = state.stored.get(id);
      return interaction && viewOf(state, interaction);
    },
    storedIds: () => [...state.stored.keys()],
    expire: (id) => {
      const interaction = state.stored.get(id);
      if (!interaction) throw new Error(`gemini emulator: no stored interaction ${id} to expire`);
      interaction.expiredByTest = true;
    },
    advanceClock: (ms) => {
      if (!(ms >= 0)) throw new Error(`gemini emulator: the clock only moves forward (got ${ms} ms)`);
      state.clockOffsetMs += ms;
    },
    setRetention: (ms) => {
      state.retentionMs = ms;
    },
    setUnknownIdStatus: (status, wording = 'names-id') => {
      state.unknownIdStatus = status;
      state.unknownIdWording = wording;
    },
    setSafetyStyle: (style) => {
      state.safetyStyle = style;
    },
    failNextDelete: (status = 503) => {
      state.deleteFailures = [{ status }];
    },
    failDeletes: (...failures) => {
      state.deleteFailures.push(...failures);
    },
    holdNextDelete: () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const reached = new Promise<string>((resolve) => (state.deleteHold = { arrived: resolve, released }));
      return { reached, release };
    },
    holdDeletes: () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const holds = { waiting: [] as string[], released };
      state.deleteHolds = holds;
      return {
        waiting: () => [...holds.waiting],
        release: () => {
          if (state.deleteHolds === holds) state.deleteHolds = undefined;
          release();
        },
      };
    },
  };
}

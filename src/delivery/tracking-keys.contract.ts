import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackingKeys } from './tracking-keys.js';

/** What every TrackingKeys adapter must do. `make` opens a fresh, empty store (again when asked twice). */
export function trackingKeysContract(
  name: string,
  make: () => Promise<TrackingKeys>,
  done: () => Promise<void>,
) {
  describe(`TrackingKeys contract: ${name}`, () => {
    let keys: TrackingKeys[];
    beforeAll(async () => {
      keys = [await make(), await make(), await make()];
    });
    afterAll(async () => {
      for (const k of keys) await k.close();
      await done();
    });

    it('keeps the first secret stored, whoever asks with whatever candidate, together or later', async () => {
      const candidates = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)];
      const answers = await Promise.all(keys.map((k, i) => k.secret(candidates[i]!)));
      expect(new Set(answers).size).toBe(1);
      expect(candidates).toContain(answers[0]);
      expect(await keys[1]!.secret('d'.repeat(40))).toBe(answers[0]);
    });

    it('hands out signer ids that are never the same twice, from any process', async () => {
      const ids = (
        await Promise.all(keys.flatMap((k) => [k.newSigner(), k.newSigner(), k.newSigner()]))
      ).concat(await keys[0]!.newSigner());
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id >= 1 && id <= 0xffff_ffff && Number.isInteger(id)).toBe(true);
    });
  });
}

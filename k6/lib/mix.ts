/** The seed workload of `bench/mix.ts` (its one definition, shared with `npm run bench`), drawn with Math.random. */
import { createBody, pick as pickWith, queryPath as pathOf, seedAd, seedQuery } from '../../bench/mix.ts';

export const pick = <T>(list: readonly T[]): T => pickWith(Math.random, list);

/** One query of the public query mix. */
export const queryPath = (): string => pathOf(seedQuery(Math.random));

/** A seed ad active now, ending 1 to 31 days from now. */
export const adBody = (title: string) => createBody(seedAd(Math.random, title, Date.now()));

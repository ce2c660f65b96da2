/** The catalogue's building blocks: bounded numbers and strings every message schema is made of. */
import * as z from 'zod';

export const Int = z.number().int();
export const NonNegInt = Int.min(0);
export const Ms = NonNegInt;
/** Free text bounded so no field can be used to blow up memory or logs. */
export const Text = (max: number) => z.string().max(max);
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
export const SubId = z.string().regex(/^sub-\d{1,9}$/);

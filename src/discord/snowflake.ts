import { z } from 'zod';

/** A Discord id: a 64-bit integer as a decimal string (17 to 20 digits for any id made since 2015). */
export const snowflake = z.string().regex(/^\d{17,20}$/);

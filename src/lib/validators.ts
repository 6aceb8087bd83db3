// Field validators shared by the feature schemas, so a bad value gets the same reason everywhere.
import { z } from "@hono/zod-openapi";
import { canonicalLocale } from "./locale";
import { isCountry } from "./phone";
import { HHMM, isValidTimeZone } from "./time";

export const timeZoneField = z
  .string()
  .refine(isValidTimeZone, { message: "must be an IANA time zone such as Asia/Shanghai" })
  .openapi({ example: "Asia/Shanghai" });

export const countryField = z
  .string()
  .transform((s) => s.toUpperCase())
  .refine(isCountry, { message: "must be an ISO 3166 alpha-2 country code such as CN or US" })
  .openapi({ example: "CN" });

export const localeField = z
  .string()
  .max(35)
  .refine((s) => canonicalLocale(s) !== null, {
    message: "must be a BCP 47 locale such as zh-CN or en",
  })
  .transform((s) => canonicalLocale(s) as string)
  .openapi({ example: "zh-CN" });

export const hhmmField = z.string().regex(HHMM, "must be a 24-hour time HH:MM").openapi({ example: "21:00" });

export const slugField = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lowercase letters, digits, '-' or '_' (max 63)");

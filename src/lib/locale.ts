// Locales as BCP 47 tags. Apart from the zod validators (validators.ts), so that an import's parse
// thread, which reads locale cells, does not load zod and the OpenAPI registry for it.

export function canonicalLocale(s: string): string | null {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(s)) return null;
  try {
    return Intl.getCanonicalLocales(s)[0] ?? null;
  } catch {
    return null;
  }
}

import { type CompiledTemplate, compileTemplate } from "./engine";
import { helpers } from "./helpers";

const cache = new Map<string, CompiledTemplate>();
const CACHE_SIZE = 500;

/** Compiles a template with the standard helpers, once per distinct text. */
export function compiled(source: string): CompiledTemplate {
  let t = cache.get(source);
  if (t) {
    // Most recently used goes last, so the oldest is evicted first.
    cache.delete(source);
    cache.set(source, t);
    return t;
  }
  t = compileTemplate(source, helpers);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(source, t);
  return t;
}

export const MAX_SOURCE_CHARS = 2000;

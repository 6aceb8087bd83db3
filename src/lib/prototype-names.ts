// Names that reach an object's prototype rather than a value of its own. Never followed in data
// (a dotted "__proto__.x" would give every object in the process an x), never read by a template.
export const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Whether a name, or any part of a dotted one, is a prototype name. */
export function reachesPrototype(name: string): boolean {
  return name.split(".").some((part) => PROTOTYPE_NAMES.has(part));
}

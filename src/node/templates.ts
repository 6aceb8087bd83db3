import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type DefaultTemplate, parseTemplateFile } from "../templates/library";

export const TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../templates");

/** Reads every templates/*.hbs file; a malformed file stops the start with its name and reason. */
export async function loadDefaultTemplates(dir = TEMPLATES_DIR): Promise<DefaultTemplate[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".hbs")).sort();
  return Promise.all(names.map(async (n) => parseTemplateFile(n, await readFile(join(dir, n), "utf8"))));
}

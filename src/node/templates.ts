import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type DefaultTemplate, parseTemplateFile } from "../templates/library";

export const TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../templates");

/** Reads every templates/*.hbs file at start; a malformed file stops the start with its name and reason. */
export function loadDefaultTemplates(dir = TEMPLATES_DIR): DefaultTemplate[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".hbs"))
    .sort()
    .map((n) => parseTemplateFile(n, readFileSync(join(dir, n), "utf8")));
}

import { parseTemplateFile } from "../templates/library";
import { SHIPPED_TEMPLATE_FILES } from "./templates.gen";

/** The shipped templates on Workers (no file system): from the bundle `npm run templates:bundle` writes. */
export const shippedTemplates = SHIPPED_TEMPLATE_FILES.map(([name, text]) => parseTemplateFile(name, text));

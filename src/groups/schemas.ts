import { z } from "@hono/zod-openapi";
import { CustomerSchema } from "../customers/schemas";
import { freeformValue } from "../lib/validators";
import { FILTER_DOC } from "./segment";

export const FilterSchema = freeformValue.openapi("SegmentFilter", {
  type: "object",
  description: FILTER_DOC,
  example: {
    and: [
      { field: "tier", op: "in", value: ["gold", "diamond"] },
      { field: "consent", op: "eq", value: "subscribed" },
      { field: "attributes.last_visit", op: "older_than", value: 30 },
    ],
  },
});

const code = z
  .string()
  .regex(/^(0[1-9]|[1-9]\d)$/, "must be two digits 01-99")
  .openapi({ example: "01" });

export const GroupCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    code: code.nullable().optional().openapi({
      description:
        "Two digits, used by SMS staff commands (101<code>, 102<code>). Static groups get the lowest free code if none is given.",
    }),
    description: z.string().max(500).nullable().optional(),
    kind: z.enum(["static", "segment"]).default("static"),
    filter: FilterSchema.optional(),
  })
  .openapi("GroupCreate");

export const GroupPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    code: code.nullable(),
    description: z.string().max(500).nullable(),
    filter: FilterSchema,
  })
  .partial()
  .openapi("GroupPatch");

export const GroupSchema = z
  .object({
    id: z.string(),
    code: z.string().nullable(),
    name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(["static", "segment"]),
    filter: z.unknown().nullable(),
    member_count: z.number().nullable().openapi({ description: "Static groups only; see /preview for a segment" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Group");

const refs = z.array(z.string().max(100)).max(10_000);
export const MemberRefsSchema = z
  .strictObject({ customer_ids: refs, external_ids: refs, phones: refs })
  .partial()
  .openapi("MemberRefs", { description: "Customers by id, external id or phone; up to 10,000 in all." });

const NotFound = z.array(z.object({ ref: z.string(), reason: z.string() }));

export const AddMembersResult = z
  .object({ added: z.number(), already_members: z.number(), not_found: NotFound, member_count: z.number().nullable() })
  .openapi("AddMembersResult");

export const RemoveMembersResult = z
  .object({ removed: z.number(), not_members: z.number(), not_found: NotFound, member_count: z.number().nullable() })
  .openapi("RemoveMembersResult");

export const PreviewSchema = z.object({ count: z.number(), sample: z.array(CustomerSchema) }).openapi("GroupPreview");

export const PreviewQuery = z.strictObject({ sample: z.coerce.number().int().min(0).max(100).default(10) });

export const FilterPreviewSchema = z.strictObject({
  filter: FilterSchema,
  sample: z.number().int().min(0).max(100).default(10),
});

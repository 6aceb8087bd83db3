import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import { createStaff, deleteStaff, getStaff, listStaff, updateStaff } from "./service";

const StaffSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    role: z.enum(["admin", "operator", "viewer"]),
    console_login: z.boolean().openapi({ description: "Has an email and a password: can sign in to the web console" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Staff");

const fields = {
  name: z.string().trim().min(1).max(100),
  phone: z.string().max(40).nullable().openapi({ description: "Registered staff phones may use SMS group commands" }),
  email: z.email().max(200).nullable(),
  role: z.enum(["admin", "operator", "viewer"]).openapi({
    description: "In the web console: admin (everything), operator (day-to-day work), viewer (read only)",
  }),
  password: z
    .string()
    .min(10)
    .max(200)
    .nullable()
    .openapi({ description: "Console password (write-only, stored as a scrypt hash); null removes it" }),
};
const StaffCreate = z
  .strictObject(fields)
  .partial({ phone: true, email: true, role: true, password: true })
  .openapi("StaffCreate");
const StaffPatch = z.strictObject(fields).partial().openapi("StaffPatch");
const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const tags = ["Staff"];

export const staffRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/staff",
      tags,
      summary: "List staff members",
      scope: "read",
      responses: { 200: jsonContent(z.object({ data: z.array(StaffSchema) }), "Staff") },
    }),
    async (c) => c.json(await listStaff(ctxOf(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/staff",
      tags,
      summary: "Add a staff member",
      scope: "admin",
      request: { body: jsonBody(StaffCreate) },
      responses: { 201: jsonContent(StaffSchema, "The new staff member") },
    }),
    async (c) => c.json(await createStaff(ctxOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/staff/{id}",
      tags,
      summary: "Get a staff member",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(StaffSchema, "The staff member") },
    }),
    async (c) => c.json(await getStaff(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/staff/{id}",
      tags,
      summary: "Update a staff member",
      scope: "admin",
      request: { params: IdParam, body: jsonBody(StaffPatch) },
      responses: { 200: jsonContent(StaffSchema, "Updated") },
    }),
    async (c) => c.json(await updateStaff(ctxOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/staff/{id}",
      tags,
      summary: "Remove a staff member (their customers lose the owner)",
      scope: "admin",
      request: { params: IdParam },
      responses: { 204: { description: "Removed" } },
    }),
    async (c) => {
      await deleteStaff(ctxOf(c), c.req.valid("param").id);
      return noContent(c);
    },
  );

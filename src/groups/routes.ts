import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import {
  AddMembersResult,
  FilterPreviewSchema,
  GroupCreateSchema,
  GroupPatchSchema,
  GroupSchema,
  MemberRefsSchema,
  PreviewQuery,
  PreviewSchema,
  RemoveMembersResult,
} from "./schemas";
import {
  addMembers,
  createGroup,
  deleteGroup,
  getGroup,
  groupsOfCustomer,
  listGroups,
  previewFilter,
  previewGroup,
  removeMembers,
  updateGroup,
} from "./service";

const RefParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, description: "Group id or two-digit code", example: "01" }),
});
const tags = ["Groups and segments"];

export const groupRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/groups",
      tags,
      summary: "Create a static group or a segment",
      scope: "write",
      request: { body: jsonBody(GroupCreateSchema) },
      responses: { 201: jsonContent(GroupSchema, "The new group") },
    }),
    async (c) => c.json(await createGroup(ctxOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/groups",
      tags,
      summary: "List groups and segments",
      scope: "read",
      responses: { 200: jsonContent(z.object({ data: z.array(GroupSchema) }), "All groups, by code") },
    }),
    async (c) => c.json(await listGroups(ctxOf(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/segments/preview",
      tags,
      summary: "Count and sample an unsaved segment filter",
      scope: "read",
      request: { body: jsonBody(FilterPreviewSchema) },
      responses: { 200: jsonContent(PreviewSchema, "How many customers match, and a few of them") },
    }),
    async (c) => {
      const { filter, sample } = c.req.valid("json");
      return c.json(await previewFilter(ctxOf(c), filter, sample), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/groups/{id}",
      tags,
      summary: "Get a group",
      scope: "read",
      request: { params: RefParam },
      responses: { 200: jsonContent(GroupSchema, "The group") },
    }),
    async (c) => c.json(await getGroup(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/groups/{id}",
      tags,
      summary: "Rename, recode or change a segment's filter",
      scope: "write",
      request: { params: RefParam, body: jsonBody(GroupPatchSchema) },
      responses: { 200: jsonContent(GroupSchema, "The updated group") },
    }),
    async (c) => c.json(await updateGroup(ctxOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/groups/{id}",
      tags,
      summary: "Delete a group (its customers stay)",
      description: "409 while a segment refers to it.",
      scope: "write",
      request: { params: RefParam },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await deleteGroup(ctxOf(c), c.req.valid("param").id);
      return noContent(c);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/customers/{id}/groups",
      tags,
      summary: "The static groups a customer is in",
      description: "Segments are not listed: whether a customer is in one is its filter's to say (see /preview).",
      scope: "read",
      request: {
        params: z.object({
          id: z
            .string()
            .max(64)
            .openapi({ param: { name: "id", in: "path" } }),
        }),
      },
      responses: { 200: jsonContent(z.object({ data: z.array(GroupSchema) }), "The groups, by code") },
    }),
    async (c) => c.json(await groupsOfCustomer(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/groups/{id}/members",
      tags,
      summary: "Add customers to a static group",
      scope: "write",
      request: { params: RefParam, body: jsonBody(MemberRefsSchema) },
      responses: { 200: jsonContent(AddMembersResult, "What was added, and what was not found") },
    }),
    async (c) => c.json(await addMembers(ctxOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/groups/{id}/members/remove",
      tags,
      summary: "Remove customers from a static group",
      scope: "write",
      request: { params: RefParam, body: jsonBody(MemberRefsSchema) },
      responses: { 200: jsonContent(RemoveMembersResult, "What was removed") },
    }),
    async (c) => c.json(await removeMembers(ctxOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/groups/{id}/preview",
      tags,
      summary: "Count and sample a group's members",
      description:
        "For a segment the filter is evaluated now, in SQL; list all members with GET /v1/customers?group=<id>.",
      scope: "read",
      request: { params: RefParam, query: PreviewQuery },
      responses: { 200: jsonContent(PreviewSchema, "Count and sample") },
    }),
    async (c) => c.json(await previewGroup(ctxOf(c), c.req.valid("param").id, c.req.valid("query").sample), 200),
  );

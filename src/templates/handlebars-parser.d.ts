// Only Handlebars' parser is used at run time (src/templates/engine.ts): the compiler, which
// generates JavaScript with `new Function`, is never imported by shared code.
declare module "handlebars/dist/cjs/handlebars/compiler/base.js" {
  export function parse(input: string): unknown;
  export const parser: { lexer: { yylloc?: { first_line: number; first_column: number } } };
}

// The Handlebars AST nodes the compiler reads: the shapes Handlebars' parser returns.

type Pos = { line: number; column: number };
export type Loc = { start: Pos; end?: Pos };

export type PathNode = {
  type: "PathExpression";
  data: boolean;
  depth: number;
  parts: string[];
  original: string;
  loc?: Loc;
};
export type LiteralNode = {
  type: "StringLiteral" | "NumberLiteral" | "BooleanLiteral" | "UndefinedLiteral" | "NullLiteral";
  value: unknown;
  original: unknown;
  loc?: Loc;
};
export type HashNode = { type: "Hash"; pairs: { key: string; value: ExprNode }[] };
export type CallNode = { path: PathNode | LiteralNode; params: ExprNode[]; hash?: HashNode; loc?: Loc };
type SubExprNode = CallNode & { type: "SubExpression" };
export type ExprNode = PathNode | LiteralNode | SubExprNode;
export type ProgramNode = { type: "Program"; body: StatementNode[]; blockParams?: string[]; loc?: Loc };
export type StatementNode =
  | { type: "ContentStatement"; value: string; loc?: Loc }
  | { type: "CommentStatement"; loc?: Loc }
  | (CallNode & { type: "MustacheStatement" })
  | (CallNode & { type: "BlockStatement"; program?: ProgramNode; inverse?: ProgramNode })
  | { type: "PartialStatement" | "PartialBlockStatement" | "Decorator" | "DecoratorBlock"; loc?: Loc };

import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

/** The variables a condition may read (agentgateway's names where they overlap). */
export const POLICY_VARIABLES = ['mcp', 'request', 'jwt', 'agent', 'trust', 'workflow'] as const;

/**
 * @bufbuild/cel has no runtime cost or step limit (cel-go's CostLimit has no counterpart there),
 * so the cost is estimated statically from the syntax tree, as cel-go's checker does: every node
 * costs 1, a regex match 10, and the body of a comprehension (all, exists, map, filter…) is
 * counted once per element of a list of ITERATION_BOUND elements, so nested comprehensions
 * multiply. An expression above the limit is refused when the set is applied.
 */
export const ITERATION_BOUND = 100;
export const DEFAULT_COST_LIMIT = 10_000;
const COSTLY_CALLS: Record<string, number> = { matches: 10 };

const ENV = celEnv({ funcs: strings });
type Expr = ReturnType<typeof parse>['expr'];

export type Bindings = Record<string, CelInput>;
export type ConditionResult = { ok: true; value: boolean } | { ok: false; error: string };

export interface CompiledCondition {
  readonly source: string;
  readonly cost: number;
  /** The condition reads `trust` (an unknown score then makes it fail closed). */
  readonly readsTrust: boolean;
  /** The condition selects a field named `arguments` (simulation then decrypts the recorded arguments). */
  readonly readsArguments: boolean;
  evaluate(bindings: Bindings): ConditionResult;
}

export interface ConditionError {
  code: 'POLICY.CEL_COMPILE_ERROR' | 'POLICY.CEL_TOO_COSTLY' | 'POLICY.CEL_UNKNOWN_VARIABLE';
  message: string;
  position?: { line: number; column: number; offset: number };
}

export function compileCondition(source: string, costLimit = DEFAULT_COST_LIMIT): { ok: true; condition: CompiledCondition } | { ok: false; error: ConditionError } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    const location = (error as { location?: { start?: { offset: number; line: number; column: number } } }).location?.start;
    const raw = (error as { rawMessage?: string }).rawMessage ?? (error instanceof Error ? error.message : 'syntax error');
    return { ok: false, error: { code: 'POLICY.CEL_COMPILE_ERROR', message: raw, ...(location ? { position: { line: location.line, column: location.column, offset: location.offset } } : {}) } };
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const idents: Array<{ name: string; offset: number }> = [];
  const fields = new Set<string>();
  const cost = walk(parsed.expr, new Set(), { idents, fields, positions });
  const unknown = idents.find((i) => !(POLICY_VARIABLES as readonly string[]).includes(i.name));
  if (unknown) {
    return {
      ok: false,
      error: { code: 'POLICY.CEL_UNKNOWN_VARIABLE', message: `unknown variable ${unknown.name} (known: ${POLICY_VARIABLES.join(', ')})`, position: positionOf(source, unknown.offset) },
    };
  }
  if (cost > costLimit) {
    return { ok: false, error: { code: 'POLICY.CEL_TOO_COSTLY', message: `estimated cost ${cost} exceeds the limit of ${costLimit}` } };
  }
  let program: (bindings: Bindings) => unknown;
  try {
    program = plan(ENV, parsed) as (bindings: Bindings) => unknown;
  } catch (error) {
    return { ok: false, error: { code: 'POLICY.CEL_COMPILE_ERROR', message: error instanceof Error ? error.message : 'cannot plan the expression' } };
  }
  const readsTrust = idents.some((i) => i.name === 'trust');
  return {
    ok: true,
    condition: {
      source,
      cost,
      readsTrust,
      readsArguments: fields.has('arguments'),
      evaluate(bindings) {
        let value: unknown;
        try {
          value = program(bindings);
        } catch (error) {
          return { ok: false, error: error instanceof Error ? error.message : 'evaluation failed' };
        }
        if (isCelError(value)) return { ok: false, error: value.message };
        if (typeof value !== 'boolean') return { ok: false, error: 'the condition did not evaluate to a bool' };
        return { ok: true, value };
      },
    },
  };
}

/** Cost of a node; collects the free identifiers (not bound by a comprehension) with their offsets. */
interface Seen {
  idents: Array<{ name: string; offset: number }>;
  fields: Set<string>;
  positions: Record<string, number>;
}

function walk(expr: Expr | undefined, bound: Set<string>, seen: Seen): number {
  if (!expr) return 0;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'constExpr':
      return 1;
    case 'identExpr':
      if (!bound.has(kind.value.name)) seen.idents.push({ name: kind.value.name, offset: seen.positions[String(expr.id)] ?? 0 });
      return 1;
    case 'selectExpr':
      seen.fields.add(kind.value.field);
      return 1 + walk(kind.value.operand, bound, seen);
    case 'callExpr': {
      const args = kind.value.args.reduce((sum, arg) => sum + walk(arg, bound, seen), 0);
      return 1 + (COSTLY_CALLS[kind.value.function] ?? 0) + walk(kind.value.target, bound, seen) + args;
    }
    case 'listExpr':
      return 1 + kind.value.elements.reduce((sum, e) => sum + walk(e, bound, seen), 0);
    case 'structExpr':
      return 1 + kind.value.entries.reduce((sum, e) => sum + walk(e.keyKind.case === 'mapKey' ? e.keyKind.value : undefined, bound, seen) + walk(e.value, bound, seen), 0);
    case 'comprehensionExpr': {
      const c = kind.value;
      const inner = new Set([...bound, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]);
      const range = walk(c.iterRange, bound, seen);
      const init = walk(c.accuInit, bound, seen);
      const body = walk(c.loopCondition, inner, seen) + walk(c.loopStep, inner, seen);
      return range + init + ITERATION_BOUND * body + walk(c.result, inner, seen);
    }
    default:
      return 1;
  }
}

function positionOf(source: string, offset: number): { line: number; column: number; offset: number } {
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1, offset };
}

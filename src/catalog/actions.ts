/**
 * Multi-action tools (rubric §1, "Multi-action tools"): one tool whose `action`, `method` or
 * `operation` parameter picks what it does (`label_write` with create/update/delete). Each action
 * is judged as if it were a tool of its own; the tool is as risky as its worst action, and takes
 * the category of the action that sets that risk. When several actions tie, the tool's primary
 * action — what its name says — decides.
 */
import { isObject } from './evidence.js';
import type { Category, Risk, ToolDefinition } from './types.js';
import { riskIndex } from './types.js';
import { splitWords } from './words.js';
import { VERBS } from './signals.js';

/** Parameters that choose among a tool's actions. */
const SELECTOR_NAMES = new Set(['action', 'actions', 'operation', 'method', 'op', 'sub_command', 'subcommand']);
/** Name words that stand for "whichever action is chosen" (`label_write`, `node_management`). */
const GENERIC_ACTION_WORDS = new Set(['write', 'read', 'manage', 'management', 'lifecycle', 'crud', 'ops', 'operations', 'actions', 'tool', 'and', 'or']);
/** Values of a `method` that are HTTP methods: the tool is an HTTP client, not a multi-action tool. */
const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

export interface ActionSelector {
  param: string;
  values: string[];
}

/**
 * The parameter that selects the action and the actions it accepts: an `enum`, or a description
 * that lists them ("Valid values: - create: …", "Operation to perform: generate, deploy, or
 * delete"). Undefined when the tool has no such parameter, or its values are not actions.
 */
export function actionSelector(tool: ToolDefinition): ActionSelector | undefined {
  const props = isObject(tool.inputSchema) && isObject(tool.inputSchema.properties) ? tool.inputSchema.properties : {};
  for (const [param, raw] of Object.entries(props)) {
    if (!SELECTOR_NAMES.has(splitWords(param).join('_')) || !isObject(raw)) continue;
    const listed = Array.isArray(raw.enum) ? raw.enum.filter((v): v is string => typeof v === 'string') : [];
    const values = (listed.length > 0 ? listed : valuesInDescription(typeof raw.description === 'string' ? raw.description : '')).slice(0, 32);
    if (values.length < 2 || values.every((v) => HTTP_METHODS.has(v.toLowerCase()))) continue;
    // Only values that say what is done are judged; a mode without a verb (`ignore`, `new`) says
    // too little to be an action of its own.
    const actions = values.filter((v) => splitWords(v).some((w) => VERBS.has(w)));
    if (actions.length === 0) continue;
    return { param, values: actions };
  }
  return undefined;
}

/** "- 'add' - …" / "- create: …" bullets, or "…: a, b, or c" as the last clause. */
function valuesInDescription(text: string): string[] {
  const bullets = [...text.matchAll(/^\s*[-*]\s*['"`]?([a-z][\w-]*)['"`]?\s*[:-]/gim)].map((m) => m[1]);
  if (bullets.length >= 2) return bullets;
  const list = /:\s*((?:[a-z][\w-]*,\s*)+(?:or\s+|and\s+)?[a-z][\w-]*)\s*[.;]?/i.exec(text);
  return list ? list[1].split(/,\s*(?:or\s+|and\s+)?|\s+or\s+/).map((v) => v.trim()).filter(Boolean) : [];
}

/**
 * One action as a tool of its own: the action's words lead the name and the tool's objects follow
 * (`label_write` + `delete` → `delete_label`). The description is left out: it describes every
 * action at once, and would lend one action the words of another.
 */
export function actionAsTool(tool: ToolDefinition, selector: ActionSelector, value: string): ToolDefinition {
  const own = splitWords(value);
  const objects = splitWords(tool.name).filter((w) => !GENERIC_ACTION_WORDS.has(w));
  const schema = isObject(tool.inputSchema) ? tool.inputSchema : {};
  const props = isObject(schema.properties) ? { ...schema.properties } : {};
  delete props[selector.param];
  return {
    name: [...own, ...objects.filter((o) => !own.some((w) => stem(w) === stem(o)))].join('_'),
    inputSchema: { ...schema, properties: props },
  };
}

function stem(word: string): string {
  return word.replace(/(?:es|s)$/, '');
}

export interface Judged {
  action: string;
  category: Category;
  risk: Risk;
}

/** The worst action; ties go to the action whose category the tool's name already gives. */
export function worstAction<T extends Judged>(actions: T[], primary: Category): T | undefined {
  let top: T[] = [];
  for (const a of actions) {
    if (top.length === 0 || riskIndex(a.risk) > riskIndex(top[0].risk)) top = [a];
    else if (a.risk === top[0].risk) top.push(a);
  }
  return top.find((a) => a.category === primary) ?? top[0];
}

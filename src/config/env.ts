/**
 * `${VAR}` expansion in config strings. Only the braced form is recognised, so a lone `$`
 * (passwords, regexes) stays as written; `$${` writes a literal `${`.
 */

export interface ExpansionIssue {
  /** Index in the input string of the `${` the issue is about. */
  index: number;
  /** The text of the reference as written, e.g. `${TOKEN}`, for locating it in the source. */
  text: string;
  message: string;
  hint: string;
}

export type Env = Record<string, string | undefined>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPE_HINT = 'write $${ for a literal ${';

export function expandEnv(input: string, env: Env): { value: string; issues: ExpansionIssue[] } {
  if (!input.includes('${')) return { value: input, issues: [] };
  const issues: ExpansionIssue[] = [];
  let out = '';
  let i = 0;
  while (i < input.length) {
    if (input.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!input.startsWith('${', i)) {
      out += input[i];
      i += 1;
      continue;
    }
    const close = input.indexOf('}', i + 2);
    if (close < 0) {
      issues.push({
        index: i,
        text: input.slice(i),
        message: `\`\${\` is not closed with \`}\``,
        hint: `write \${NAME} to use an environment variable, or ${ESCAPE_HINT}`,
      });
      out += input.slice(i);
      break;
    }
    const name = input.slice(i + 2, close);
    const text = input.slice(i, close + 1);
    // Own properties only: an injected plain object would otherwise yield `constructor` & co.
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (!NAME.test(name)) {
      issues.push({
        index: i,
        text,
        message: `\`${text}\` is not a valid environment variable reference`,
        hint: `names use letters, digits and _ (no defaults or other shell syntax); ${ESCAPE_HINT}`,
      });
      out += text;
    } else if (typeof value !== 'string') {
      issues.push({
        index: i,
        text,
        message: `environment variable \`${name}\` is not set`,
        hint: `export ${name}=... before starting toolgate, or ${ESCAPE_HINT}`,
      });
      out += text;
    } else {
      out += value;
    }
    i = close + 1;
  }
  return { value: out, issues };
}

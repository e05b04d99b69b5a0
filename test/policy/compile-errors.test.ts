import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { config, rule, server } from './builders.js';

function problemsOf(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'config_invalid');
    return err.problems;
  }
  assert.fail('expected compilePolicy to throw');
}

test('unbuildable rules throw one ConfigError listing every problem with its path', () => {
  const problems = problemsOf(() =>
    compilePolicy(
      config({
        'aws-ecs': server({
          'delete_*': rule('allow', {
            conditions: [
              { if: 'args.ok == true', action: 'deny' },
              { if: 'args.env == ', action: 'deny' },
            ],
          }),
          'a/b~c': rule('allow', { conditions: [{ if: 'nope == 1', action: 'deny' }] }),
          'typed': rule('allow', { conditions: [{ if: 'tool + 1', action: 'deny' }] }),
          'str': rule('allow', { conditions: [{ if: 'tool', action: 'deny' }] }),
          'schema': rule('allow', { validate: { inputSchema: false, arguments: { type: 'objekt' } } }),
          'typo': rule('allow', { validate: { inputSchema: false, arguments: { type: 'object', properites: {} } } }),
        }),
      }),
    ),
  );
  const byPath = new Map(problems.map((p) => [p.path, p]));
  assert.deepEqual([...byPath.keys()], [
    '/policies/aws-ecs/tools/delete_*/conditions/1/if',
    '/policies/aws-ecs/tools/a~1b~0c/conditions/0/if',
    '/policies/aws-ecs/tools/typed/conditions/0/if',
    '/policies/aws-ecs/tools/str/conditions/0/if',
    '/policies/aws-ecs/tools/schema/validate/arguments',
    '/policies/aws-ecs/tools/typo/validate/arguments',
  ]);
  for (const p of problems) {
    assert.equal(p.file, '/etc/toolgate/test.yaml');
    assert.equal(p.line, 0);
    assert.equal(p.column, 0);
    assert.ok(p.hint, p.path);
  }
  assert.match(byPath.get('/policies/aws-ecs/tools/delete_*/conditions/1/if')!.message, /CEL syntax error/);
  assert.match(byPath.get('/policies/aws-ecs/tools/a~1b~0c/conditions/0/if')!.message, /Unknown variable: nope/);
  assert.match(byPath.get('/policies/aws-ecs/tools/str/conditions/0/if')!.message, /must be true or false.*string/);
  assert.match(byPath.get('/policies/aws-ecs/tools/typo/validate/arguments')!.message, /unknown keyword: "properites"/);
});

test('a policy without problems compiles', () => {
  assert.doesNotThrow(() =>
    compilePolicy(config({ s: server({ t: rule('allow', { conditions: [{ if: 'args.a == "b"', action: 'deny' }] }) }) })),
  );
});

// ajv: validates the pipeline config against its JSON Schema (and a broken copy).
import Ajv from 'ajv';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const AjvClass = (Ajv as unknown as { default?: typeof Ajv }).default ?? Ajv;
  const ajv = new AjvClass({ allErrors: true });
  const validate = ajv.compile((await ctx.fs.readJson('data/lakehouse/config.schema.json')) as object);
  const config = (await ctx.fs.readJson('data/lakehouse/config.json')) as { risk: { maxWeight: number }; pipeline: { rebalance: string } };
  const good = validate(config);
  const broken = JSON.parse(JSON.stringify(config)) as typeof config;
  broken.risk.maxWeight = 3;
  broken.pipeline.rebalance = 'hourly';
  const bad = validate(broken);
  await ctx.fs.writeJson(`${ctx.runDir}/validation.json`, {
    good,
    bad,
    errors: validate.errors?.map((e) => ({ path: e.instancePath, keyword: e.keyword, message: e.message })),
  });
}

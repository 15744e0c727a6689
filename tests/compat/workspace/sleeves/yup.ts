// yup: casts and validates the universe, collecting every error.
import { array, object, string } from 'yup';
import type { SleeveContext } from './lib/context.ts';

const Instrument = object({
  symbol: string()
    .required()
    .matches(/^[A-Z]{1,5}$/),
  name: string().required().trim(),
  sector: string().oneOf(['Technology', 'Energy', 'Financials', 'Index']).required(),
});

export default async function run(ctx: SleeveContext): Promise<void> {
  const universe = (await ctx.fs.readJson('data/lakehouse/universe.json')) as unknown[];
  const valid = await array(Instrument).validate(universe, { abortEarly: false });
  let errors: string[] = [];
  try {
    await array(Instrument).validate([...universe, { symbol: 'lower', name: '  ', sector: 'Crypto' }], { abortEarly: false });
  } catch (error) {
    errors = (error as { errors: string[] }).errors;
  }
  await ctx.fs.writeJson(`${ctx.runDir}/universe.json`, { count: valid.length, errors });
}

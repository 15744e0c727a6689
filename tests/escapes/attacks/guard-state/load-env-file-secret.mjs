/* @attack {"title": "process.loadEnvFile reads the secret and the denied candidates fallback into the environment, past the fs wrappers"} */
for (const file of ['secrets/token.txt', 'data/lakehouse/portfolio_candidates.json', `${process.env.OUTSIDE}/../x.env`]) {
  try {
    process.loadEnvFile(file);
    console.log(`${file}: loaded`);
  } catch (error) {
    console.log(`${file}: ${error.code}`);
  }
}
console.log(Object.keys(process.env).join(','));

/**
 * The controller's environment as a plugin process inherits it: minus the
 * credentials a plugin has no business seeing. A plugin reaches the
 * controller through its run's capability URL, never the API token.
 */
const WITHHELD = ['GITHUB_TOKEN', 'VOODU_API_TOKEN', 'VOODU_TOKEN'];

export function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of WITHHELD) delete env[key];
  return env;
}

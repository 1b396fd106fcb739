// Checks a definition file against a handlers module, every problem collected: what `mountApi` runs at boot and
// `monolite api check` runs offline.
import { checkDefinition, readDefinition, type ServiceDef } from './definition.ts';
import { checkHandlers, loadHandlers } from './handlers.ts';
import type { ApiHandler } from './context.ts';

export interface CheckedApi {
  /** The services without problems, in definition order. */
  services: ServiceDef[];
  handlers: Map<string, ApiHandler>;
  /** Every problem, one sentence each, naming its service (`GET /articles/{id}: …`) or file. */
  problems: string[];
}

/** Loads and checks `definitionFile` and `handlersFile` (absolute paths). */
export async function checkApi(files: { definitionFile: string; handlersFile: string }): Promise<CheckedApi> {
  const loaded = await loadHandlers(files.handlersFile);
  const problems = [...loaded.problems];
  const { doc, problem } = readDefinition(files.definitionFile);
  if (problem !== null) {
    problems.push(problem);
    return { services: [], handlers: loaded.handlers, problems };
  }
  const checked = checkDefinition(doc, { types: loaded.types, typesKnown: loaded.loaded });
  problems.push(...checked.problems);
  if (loaded.hasHandlers) problems.push(...checkHandlers(checked.ids, loaded.keys));
  return { services: checked.services, handlers: loaded.handlers, problems };
}

/** The boot error listing every problem (its message starts with "Cannot", which the CLI prints without a stack). */
export class ApiDefinitionError extends Error {
  override name = 'ApiDefinitionError';
  readonly problems: string[];

  constructor(files: { definitionFile: string; handlersFile: string }, problems: string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`Cannot mount the declared endpoints of ${files.definitionFile} (handlers ${files.handlersFile}): ${count}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

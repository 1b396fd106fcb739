#!/usr/bin/env node
// The `monolite` command installed by npm: runs src/main.ts under Node >= 24 (see node.mjs).
import { fileURLToPath } from 'node:url';
import { runNode } from './node.mjs';

runNode([fileURLToPath(new URL('../src/main.ts', import.meta.url)), ...process.argv.slice(2)]);

/** `npm run conformance -- [options]`: see src/cli/conformance (--help). */
import { runConformance } from '../src/cli/conformance/index.js';

process.exitCode = await runConformance(process.argv.slice(2));

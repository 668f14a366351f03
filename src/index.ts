// Entry point of `bun run src/index.ts` and of the compiled binary: only dispatches.
import { main } from './cli/main'

await main(process.argv.slice(2))

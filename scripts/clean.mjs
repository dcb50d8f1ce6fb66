// Removes every package's build output (dist/, tsbuildinfo). `tsc -b` never deletes the output
// of a source file that was moved or deleted, so a checkout built before such a change packs
// stale files; `npm run clean && npm run build` starts over.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

for (const group of ["packages", "apps"]) {
  for (const name of readdirSync(group)) {
    const dir = join(group, name);
    rmSync(join(dir, "dist"), { recursive: true, force: true });
    for (const file of readdirSync(dir)) if (file.endsWith(".tsbuildinfo")) rmSync(join(dir, file), { force: true });
  }
}
console.log("removed the build output of packages/* and apps/*; run `npm run build`");

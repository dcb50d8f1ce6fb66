#!/usr/bin/env node
// The `tickwire` command. A committed shim, so that npm links the bin on a fresh
// install even though dist/ is built afterwards (by the root `prepare`).
import "../dist/cli.js";

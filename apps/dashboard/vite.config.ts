import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

/**
 * Builds the dashboard into dist/, which the gateway serves at `/` with an SPA
 * fallback (so `/ops` loads index.html). In `npm run dev`, API and socket
 * traffic is proxied to a gateway on TICKWIRE_DEV_TARGET (default :8080).
 */
const target = process.env.TICKWIRE_DEV_TARGET ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
  server: {
    proxy: {
      "/api": target,
      "/socket.io": { target, ws: true },
    },
  },
});
